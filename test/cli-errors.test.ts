// Every CLI error path: exit status 1, one readable line on stderr naming the file, field or argument, no stack
// trace (unless --debug). Runs the built dist/cli.js as a user does.
import { spawnSync } from "node:child_process";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir.js";

const ROOT = new URL("..", import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), ...args], { cwd: ROOT, encoding: "utf8" });
const dir = tempDir("cli-errors");
const file = (name: string, data: string | Uint8Array) => (writeFileSync(join(dir, name), data), join(dir, name));

const FACE = "fixtures/faces48/00-angry.png";
const PHOTO = "fixtures/faces/obama_small.png";
const notImage = file("notes.png", "hello, not an image");
const hugePng = file("huge.png", Buffer.from("89504e470d0a1a0a0000000d49484452" + "0000ea60" + "0000ea60" + "0806000000" + "00000000", "hex"));
const cutPng = file("cut.png", Buffer.from("89504e470d0a1a0a0000000d4948445200000030", "hex"));
const badCascade = file("bad.xml", "<opencv_storage><cascade><stageType>BOOST</stageType>");
mkdirSync(join(dir, "badmodel"));
file("badmodel/model.json", '{"modelTopology": {"class_name": "Sequential", "config": {"layers": [');

const cases: [string, string[], RegExp][] = [
  ["unknown command", ["frobnicate"], /^resezap: unknown command "frobnicate"/],
  ["unknown option", ["classify", "--frob", FACE], /^resezap: classify: unknown option --frob/],
  ["option missing its value", ["faces", PHOTO, "--min-size"], /^resezap: faces: --min-size needs a value/],
  ["flag given a value", ["classify", "--json=yes", FACE], /^resezap: classify: --json takes no value/],
  ["bad option value: scale factor", ["faces", "--detector", "haar", "--scale-factor", "0.5", PHOTO], /^resezap: faces: --scale-factor must be a number in \(1, 4\], found "0.5"/],
  ["bad option value: not a number", ["detect", "--detector", "haar", "--min-neighbors", "lots", PHOTO], /^resezap: detect: --min-neighbors must be an integer ≥ 0, found "lots"/],
  ["bad option value: margin", ["detect", "--margin", "-1", PHOTO], /^resezap: detect: --margin must be a fraction in \[0, 1\], found "-1"/],
  ["bad option value: conv", ["count", "--conv", "weird"], /^resezap: count: --conv/],
  ["no files", ["classify"], /^resezap: classify: expected one or more PNG or JPEG files/],
  ["missing image", ["classify", "nowhere.png"], /^resezap: nowhere\.png: cannot read \(ENOENT\)/],
  ["image is a folder", ["faces", "fixtures"], /^resezap: fixtures: cannot read \(EISDIR\)/],
  ["not an image", ["classify", notImage], /notes\.png: not a PNG or JPEG file/],
  ["not an image (detect sniffs the type)", ["detect", notImage], /notes\.png: not a PNG or JPEG file/],
  ["truncated PNG", ["faces", cutPng], /cut\.png: not a PNG file/],
  ["60,000×60,000 PNG", ["classify", hugePng], /huge\.png: PNG is 60000×60000, over the limit/],
  ["missing model folder", ["classify", "--model", "/nonexistent/model", FACE], /^resezap: \/nonexistent\/model: no such file or folder/],
  ["model folder without model.json", ["classify", "--model", "fixtures/faces48", FACE], /faces48\/model\.json: cannot read the model/],
  ["corrupt model.json", ["classify", "--model", join(dir, "badmodel"), FACE], /badmodel\/model\.json: not valid JSON/],
  ["Haar option without --detector haar", ["faces", "--min-neighbors", "3", PHOTO], /^resezap: faces: --min-neighbors is an option of --detector haar \(the default detector is YuNet\)$/],
  ["unknown detector", ["detect", "--detector", "blaze", PHOTO], /^resezap: detect: --detector must be yunet or haar, found "blaze"/],
  ["missing cascade", ["faces", "--detector", "haar", "--cascade", "nowhere.xml", PHOTO], /^resezap: faces: --cascade nowhere\.xml: cannot read \(ENOENT\)/],
  ["corrupt cascade", ["faces", "--detector", "haar", "--cascade", badCascade, PHOTO], /bad\.xml: truncated: <stageType>|bad\.xml: .*not closed/],
];

describe("CLI errors: exit 1, one line, no stack", () => {
  for (const [what, args, re] of cases) {
    it(what, () => {
      const r = cli(...args);
      expect(r.status, r.stderr).toBe(1);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(re);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }

  it("--debug adds the stack trace", () => {
    const r = cli("classify", "--debug", "nowhere.png");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ImageError: nowhere\.png: cannot read/);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});
