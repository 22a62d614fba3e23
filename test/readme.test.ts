import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// Every fenced code block of README.md runs as written: js/mjs/ts blocks as ES modules in Node, importing
// "resezap" as a user would (the package resolves to itself through package.json "exports" for files inside
// it, so the blocks are written under the repository's ignored tmp/), and every command line of an sh block
// through the built CLI, expecting exit 0. Both need dist/ (npm test builds it first).

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "dist", "cli.js");
const BLOCK_TIMEOUT_MS = 20_000;

// Set-up lines of sh blocks that this test does not run, each with the reason. Anything else must run.
const SETUP_NOT_RUN: [RegExp, string][] = [
  [/^npm (install|ci)\b/, "installs the package: the test runs inside an installed clone"],
  [/^npm test\b/, "runs the whole suite, this test included"],
  [/^npm run web\b/, "serves the web demo until stopped (test/web-e2e.test.ts drives it)"],
  [/^(sudo )?apt-get\b/, "system set-up (Chromium for the browser test)"],
];
// Files a README command writes into the repository (gitignored), removed afterwards unless already there.
const WRITES: Record<string, string[]> = { "npm run demo": ["demo-out.png"] };
const NODE_LANGS = new Set(["js", "mjs", "ts"]);
const SH_LANGS = new Set(["sh", "bash", "shell"]);

interface Block { lang: string; line: number; code: string }

function readmeBlocks(): Block[] {
  const lines = readFileSync(join(ROOT, "README.md"), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: code block never closed`);
    blocks.push({ lang: open[1], line: start + 1, code: body.join("\n") });
  }
  return blocks;
}

/** An sh block's commands: comments dropped, `a && b` split, `npx resezap` mapped onto the built CLI. */
function commands(code: string): string[] {
  return code
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").replace(/^#.*$/, "").trim())
    .filter(Boolean)
    .flatMap((l) => l.split(/\s*&&\s*/));
}

const scratchParent = join(ROOT, "tmp");
const hadParent = existsSync(scratchParent);
let scratch: string | undefined;
function scratchDir(): string {
  if (!scratch) {
    mkdirSync(scratchParent, { recursive: true });
    scratch = mkdtempSync(join(scratchParent, "readme-"));
  }
  return scratch;
}
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (!hadParent) rmSync(scratchParent, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout: BLOCK_TIMEOUT_MS });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

async function runNode(b: Block): Promise<void> {
  let code = b.code;
  if (b.lang === "ts") code = (await import("esbuild")).transformSync(code, { loader: "ts", format: "esm" }).code;
  const file = join(scratchDir(), `block-${b.line}.mjs`);
  writeFileSync(file, code);
  const r = run(process.execPath, [file]);
  expect(r.status, `README.md:${b.line} (${b.lang}) exited ${r.status}:\n${r.out}`).toBe(0);
}

function runSh(b: Block): void {
  const cmds = commands(b.code);
  expect(cmds.length, `README.md:${b.line}: an sh block with no command`).toBeGreaterThan(0);
  for (const c of cmds) {
    if (SETUP_NOT_RUN.some(([re]) => re.test(c))) continue;
    const words = c.split(/\s+/);
    let r: { status: number | null; out: string };
    if (words[0] === "npx" && words[1] === "resezap") r = run(process.execPath, [CLI, ...words.slice(2)]);
    else if (words[0] === "node" && words[1] === "dist/cli.js") r = run(process.execPath, [CLI, ...words.slice(2)]);
    else if (words[0] === "npm" && words[1] === "run") {
      const made = (WRITES[c] ?? []).map((f) => join(ROOT, f)).filter((f) => !existsSync(f));
      try {
        r = run("npm", words.slice(1));
      } finally {
        for (const f of made) rmSync(f, { force: true });
      }
    } else throw new Error(`README.md:${b.line}: "${c}" is neither a resezap command nor in the test's set-up list`);
    expect(r.status, `README.md:${b.line}: "${c}" exited ${r.status}:\n${r.out}`).toBe(0);
  }
}

describe("README.md code blocks run as written", () => {
  it("dist/ is built (npm run build)", () => {
    expect(existsSync(join(ROOT, "dist", "index.js")) && existsSync(CLI), "dist/ missing: run npm run build").toBe(true);
  });
  const blocks = readmeBlocks();
  it("has Node and sh blocks", () => {
    expect(blocks.some((b) => NODE_LANGS.has(b.lang))).toBe(true);
    expect(blocks.some((b) => SH_LANGS.has(b.lang))).toBe(true);
  });
  for (const b of blocks) {
    it(`README.md:${b.line} (${b.lang || "no language"})`, async () => {
      if (NODE_LANGS.has(b.lang)) await runNode(b);
      else if (SH_LANGS.has(b.lang)) runSh(b);
      else throw new Error(`README.md:${b.line}: a \`\`\`${b.lang} block is neither run as Node (js, mjs, ts) nor as sh`);
    }, BLOCK_TIMEOUT_MS * 3);
  }
});
