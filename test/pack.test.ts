// The package as a user gets it: `npm pack`, install the tarball into an empty project, import it there
// and run its CLI. Catches files missing from "files", broken "exports", and paths that only work in the repo.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "error" }, stdio: ["ignore", "pipe", "pipe"] });

describe("npm pack → install → import", () => {
  it("works in an empty project", () => {
    const dir = mkdtempSync(join(tmpdir(), "resezap-pack-"));
    // the build has run already (npm test builds first); --ignore-scripts keeps pack from building again
    npm(["pack", "--ignore-scripts", "--pack-destination", dir], ROOT);
    const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
    expect(tgz).toMatch(/^resezap-.*\.tgz$/);
    const app = join(dir, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", type: "module", private: true }));
    npm(["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, tgz)], app);
    writeFileSync(
      join(app, "main.js"),
      `import { resezap, loadLayersModel, countOps, EMOTIONS } from "resezap";
       import { fileURLToPath } from "node:url";
       const dir = fileURLToPath(new URL("./node_modules/resezap/models/reference/", import.meta.url));
       const model = await loadLayersModel(dir);
       const p = model.predict(new Float32Array(2 * 48 * 48).fill(0.5));
       const c = countOps(resezap());
       console.log(JSON.stringify({ n: p.length, sum: p[0] + p[1] + p[2] + p[3] + p[4] + p[5] + p[6], sep: c.total.separable, classes: model.classNames, emotions: EMOTIONS }));`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ["main.js"], { cwd: app, encoding: "utf8" }));
    expect(out.n).toBe(14);
    expect(Math.abs(out.sum - 1)).toBeLessThan(1e-5);
    expect(out.sep).toBe(16909540);
    expect(out.classes).toEqual(out.emotions);
    const cli = JSON.parse(execFileSync(join(app, "node_modules/.bin/resezap"), ["count", "--json"], { cwd: app, encoding: "utf8" }));
    expect(cli.total.params).toBe(54480);
    // the installed CLI's default model answers as the repository's default model does
    const face = join(ROOT, "fixtures/faces48/05-happy.png");
    const cls = JSON.parse(execFileSync(join(app, "node_modules/.bin/resezap"), ["classify", "--json", face], { cwd: app, encoding: "utf8" }));
    const here = JSON.parse(execFileSync(process.execPath, [join(ROOT, "dist/cli.js"), "classify", "--json", face], { cwd: ROOT, encoding: "utf8" }));
    expect(cls[0].label).toBe(here[0].label);
    expect(cls[0].probabilities).toEqual(here[0].probabilities);
  });
});
