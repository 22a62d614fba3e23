// The package as a user gets it: `npm pack`, install the tarball into an empty project, import it there (ESM and
// CommonJS), run its CLI and serve its web demo. Catches files missing from "files", broken "exports", paths
// that only work in the repo, and npm warnings a user would see.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir.js";

const ROOT = new URL("..", import.meta.url).pathname;

/** Runs npm at its default log level; fails on a non-zero exit and returns what it printed on stderr. */
function npm(args: string[], cwd: string): string {
  const r = spawnSync("npm", args, { cwd, encoding: "utf8" });
  expect(r.status, `npm ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stderr;
}

describe("npm pack → install → import", () => {
  it("works in an empty project, installed without a warning", async () => {
    const dir = tempDir("pack");
    // the build has run already (npm test builds first); --ignore-scripts keeps pack from building again
    expect(npm(["pack", "--ignore-scripts", "--pack-destination", dir, "--loglevel", "error"], ROOT)).toBe("");
    const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
    expect(tgz).toMatch(/^resezap-.*\.tgz$/);
    const app = join(dir, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", type: "module", private: true }));
    // no warning: in particular none listing resezap among packages with unreviewed install scripts
    expect(npm(["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, tgz)], app)).toBe("");
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
    // CommonJS: require() gives the same API (Node's require of an ES module, Node 20.19+ and 22.12+)
    writeFileSync(join(app, "main.cjs"), `const { resezap, countOps, classifyBoxes } = require("resezap"); console.log(JSON.stringify({ sep: countOps(resezap()).total.separable, classifyBoxes: typeof classifyBoxes }));`);
    const cjs = spawnSync(process.execPath, ["main.cjs"], { cwd: app, encoding: "utf8" });
    expect(cjs.stderr).toBe("");
    expect(JSON.parse(cjs.stdout)).toEqual({ sep: 16909540, classifyBoxes: "function" });
    const cli = JSON.parse(execFileSync(join(app, "node_modules/.bin/resezap"), ["count", "--json"], { cwd: app, encoding: "utf8" }));
    expect(cli.total.params).toBe(54480);
    // the installed CLI's default model answers as the repository's default model does
    const face = join(ROOT, "fixtures/faces48/05-happy.png");
    const cls = JSON.parse(execFileSync(join(app, "node_modules/.bin/resezap"), ["classify", "--json", face], { cwd: app, encoding: "utf8" }));
    const here = JSON.parse(execFileSync(process.execPath, [join(ROOT, "dist/cli.js"), "classify", "--json", face], { cwd: ROOT, encoding: "utf8" }));
    expect(cls[0].label).toBe(here[0].label);
    expect(cls[0].probabilities).toEqual(here[0].probabilities);
    // the web demo is in the package: its server, started from there, serves the page, the bundle and the models
    // (web-e2e.test.ts runs the page in Chromium from the same set of files)
    const { startServer } = await import(join(app, "node_modules/resezap/scripts/serve.mjs"));
    const server = await startServer({ port: 0 });
    try {
      for (const path of ["web/", "web/demo.js", "web/worker.js", "dist/resezap.browser.min.js", "models/fer2013/model.json", "models/yunet/face_detection_yunet.onnx"]) {
        const res = await fetch(server.url + path);
        expect(res.status, path).toBe(200);
        await res.arrayBuffer();
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe("npx resezap in the repository", () => {
  it("prints no npm warning", () => {
    const r = spawnSync("npx", ["resezap", "count", "--json"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).total.params).toBe(54480);
  });
});
