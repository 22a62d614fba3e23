// The browser demo end to end: scripts/serve.mjs serves the files `npm pack` would ship (so the demo works from
// an installed package), headless Chromium (the system's, via playwright-core) opens web/ with a fake webcam
// playing a .y4m made here from fixtures/faces/astronaut.png, and the page must draw a labelled box; then an
// image chosen in the file input must be recognised exactly as recognize() does it in Node. Skips, saying so,
// where no Chromium is installed.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBrowserGraph } from "../scripts/check-browser-graph.mjs";
import { chromiumPath, launchChromium, NO_CHROMIUM } from "../scripts/chromium.mjs";
import { startServer } from "../scripts/serve.mjs";
import { writeY4m } from "./y4m.js";

const root = resolve(import.meta.dirname, "..");
const EMOTIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
const REALTIME = { scaleFactor: 1.2, minSize: 60, minNeighbors: 5 };
const YUNET = { scoreThreshold: 0.9 };

interface Face {
  box: [number, number, number, number];
  label: string;
  score: number;
}
interface Latest {
  source: string;
  width: number;
  height: number;
  faces: Face[];
  detectMs: number;
  classifyMs: number;
  totalMs: number;
}

describe("browser entry", () => {
  it("dist/browser.js imports no node: module and no package, statically", () => {
    const { files, bad } = checkBrowserGraph(join(root, "dist/browser.js"));
    expect(files.length).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });

  it("dist/resezap.browser.min.js is one file: no static import, only node: modules imported dynamically, the entry's every export", async () => {
    const bundle = join(root, "dist/resezap.browser.min.js");
    const text = readFileSync(bundle, "utf8");
    expect(checkBrowserGraph(bundle)).toEqual({ files: [bundle], bad: [] });
    const dynamic = [...text.matchAll(/import\(\s*"([^"]*)"\s*\)/g)].map((m) => m[1]);
    expect(dynamic.every((d) => d.startsWith("node:"))).toBe(true);
    // the WASM is inside: the inference and detection modules' base64 from the build, and not the training ones
    const wasm = await import(join(root, "dist/generated/wasm.js"));
    for (const m of ["nnSimd", "nnRelaxed", "haar"]) expect(text.includes(wasm[m]), m).toBe(true);
    for (const m of ["train", "trainRelaxed", "nnScalar"]) expect(text.includes(wasm[m]), m).toBe(false);
    const [min, entry] = await Promise.all([import(bundle), import(join(root, "dist/browser.js"))]);
    expect(Object.keys(min).sort()).toEqual(Object.keys(entry).sort());
  });

  it("package.json sends browsers to dist/browser.js", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.exports["."].browser).toEqual({ types: "./dist/browser.d.ts", default: "./dist/browser.js" });
    // conditions match in order: "browser" must come before the Node entry
    expect(Object.keys(pkg.exports["."])[0]).toBe("browser");
  });
});

const exe = chromiumPath();
if (!exe) {
  console.warn(`web-e2e: ${NO_CHROMIUM}`);
  // a skipped test named with the reason, so the run's summary says why
  it.skip(NO_CHROMIUM, () => {});
}

describe.skipIf(!exe)("web demo in Chromium", () => {
  let tmp: string;
  let server: Awaited<ReturnType<typeof startServer>>; // the packaged files
  let repoServer: Awaited<ReturnType<typeof startServer>>; // the repository: the benchmark page reads fixtures/
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Awaited<ReturnType<typeof browser.newPage>>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "resezap-web-e2e-"));
    const y4m = join(tmp, "astronaut.y4m");
    writeY4m(join(root, "fixtures/faces/astronaut.png"), y4m);
    // the files the tarball holds, as `npm pack` lists them, copied to a folder of their own
    const shipped = join(tmp, "package");
    const [{ files }] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }));
    for (const { path } of files as { path: string }[]) {
      mkdirSync(dirname(join(shipped, path)), { recursive: true });
      copyFileSync(join(root, path), join(shipped, path));
    }
    server = await startServer({ port: 0, root: shipped });
    repoServer = await startServer({ port: 0 });
    browser = await launchChromium(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${y4m}`]);
    page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
    await page.goto(`${server.url}web/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await repoServer?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("labels the face in the fake webcam's frames with YuNet (the default), boxes drawn, fps measured", async () => {
    await page.waitForFunction(
      () => {
        const s = (window as any).resezapDemo;
        if (s?.status === "failed" || s?.status === "no-webcam") return true;
        return s?.latest?.source === "webcam" && s.latest.faces.length > 0 && s.frames >= 40;
      },
      null,
      { timeout: 40_000 },
    );
    const s = await page.evaluate(() => {
      const d = (window as any).resezapDemo;
      return { status: d.status, error: d.error, detector: d.detector, frames: d.frames, fps: d.fps, settings: d.settings, latest: d.latest as Latest, results: document.getElementById("results")!.textContent };
    });
    expect(s.error, `page error: ${s.error}; ${pageErrors.join("; ")}`).toBeNull();
    expect(s.detector).toBe("yunet");
    expect(s.settings).toEqual(YUNET);
    expect(s.latest.width).toBe(640);
    expect(s.latest.height).toBe(480);
    expect(s.latest.faces.length).toBeGreaterThanOrEqual(1);
    for (const f of s.latest.faces) {
      expect(EMOTIONS).toContain(f.label);
      expect(f.box[2]).toBeGreaterThan(60); // the astronaut's face is about 90 px wide at 640×480
    }
    expect(JSON.parse(s.results!).faces).toEqual(s.latest.faces);
    // drawResults painted the overlay: the left edge of the latest box halfway down, its label's tag just above
    // the box, and each landmark; and not the cheek just inside the edge. Read in one evaluate, as the page draws and
    // publishes each frame's boxes in one task, so the two agree.
    const painted = await page.evaluate(() => {
      const d = (window as any).resezapDemo;
      const [x, y, , h] = d.latest.faces[0].box;
      const g = (document.getElementById("overlay") as HTMLCanvasElement).getContext("2d")!;
      const alpha = (px: number, py: number) => g.getImageData(Math.round(px), Math.round(py), 1, 1).data[3];
      return { edge: alpha(x + 1, y + (h >> 1)), tag: alpha(x + 2, y - 2), inside: alpha(x + 8, y + (h >> 1)), landmarks: (d.latest.faces[0].landmarks ?? []).map(([lx, ly]: number[]) => alpha(lx, ly)) };
    });
    expect(painted).toEqual({ edge: 255, tag: 255, inside: 0, landmarks: [255, 255, 255, 255, 255] });
    const shot = join(tmp, "web-e2e.png");
    await page.screenshot({ path: shot });
    console.log(
      `web-e2e: ${s.frames} webcam frames, ${s.fps?.toFixed(1)} fps in the page (over its last 30 frames; at most the fake camera's 30), last frame ${s.latest.totalMs.toFixed(1)} ms ` +
        `(detection ${s.latest.detectMs.toFixed(1)}, classification ${s.latest.classifyMs.toFixed(1)}); faces ${JSON.stringify(s.latest.faces)}; screenshot ${shot}`,
    );
    expect(s.fps).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it("compiles the Haar detector in the worker from a frame size's tenth frame (the benchmark page, ?detector=haar)", async () => {
    const bench = await browser.context.newPage(); // a second page: newPage() hands out the demo's
    try {
      await bench.goto(`${repoServer.url}web/bench.html?n=3&warmup=10&detector=haar`);
      await bench.waitForFunction(() => (window as any).resezapBench, null, { timeout: 60_000 });
      const r = await bench.evaluate(() => (window as any).resezapBench);
      expect(r.error, r.error).toBeUndefined();
      // frames 11–13 of one size: the cascade compiled for it (src/detect/jit.ts), no generic scale left
      expect(r.scan.compiledScales).toBeGreaterThan(0);
      expect(r.scan.genericScales).toBe(0);
      expect(r.faces.length).toBe(1);
    } finally {
      await bench.close();
    }
  }, 90_000);

  it("recognises a chosen image as recognize() does in Node (YuNet, the default)", async () => {
    const file = join(root, "fixtures/faces/knn_test_kit_with_rose.png");
    await page.setInputFiles("#file", file);
    await page.waitForFunction(() => (window as any).resezapDemo?.latest?.source === "image", null, { timeout: 20_000 });
    const latest: Latest = await page.evaluate(() => (window as any).resezapDemo.latest);
    expect(latest.faces.length).toBeGreaterThanOrEqual(1);
    for (const f of latest.faces) expect(EMOTIONS).toContain(f.label);

    const lib = await import(join(root, "dist/index.js"));
    const img = lib.decodePng(readFileSync(file), "knn_test_kit_with_rose.png");
    // the page loads the package's default model; so does Node here
    const { DEFAULT_MODEL_DIR } = await import(join(root, "dist/paths.js"));
    const model = await lib.loadLayersModel(fileURLToPath(DEFAULT_MODEL_DIR));
    const node = lib.recognize(img, { model }) as { box: Face["box"]; label: string }[];
    expect(node).toHaveLength(2);
    expect(latest.faces.map((f) => ({ box: f.box, label: f.label }))).toEqual(node.map((f) => ({ box: f.box, label: f.label })));
    await page.screenshot({ path: join(tmp, "web-e2e-image.png") });
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it("a chosen file that is no image shows one error and keeps the picture; back to the webcam clears it", async () => {
    const before = await page.evaluate(() => (window as any).resezapDemo.latest);
    await page.setInputFiles("#file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
    await page.waitForFunction(() => (window as any).resezapDemo.error !== null, null, { timeout: 10_000 });
    const failed = await page.evaluate(() => ({ error: (window as any).resezapDemo.error, shown: document.getElementById("status")!.className, latest: (window as any).resezapDemo.latest }));
    expect(failed.error).toMatch(/^notes\.txt: not an image this browser can decode/);
    expect(failed.shown).toBe("error");
    expect(failed.latest).toEqual(before);
    await page.click("#webcam");
    await page.waitForFunction(() => (window as any).resezapDemo.latest?.source === "webcam", null, { timeout: 20_000 });
    const after = await page.evaluate(() => ({ error: (window as any).resezapDemo.error, shown: document.getElementById("status")!.className, text: document.getElementById("status")!.textContent }));
    expect(after).toEqual({ error: null, shown: "", text: expect.stringMatching(/^running on the webcam/) });
    expect(pageErrors).toEqual([]);
  }, 40_000);

  it("with ?detector=haar the page runs the cascade at the real-time settings: a chosen image gives what recognize() with them gives in Node", async () => {
    const yPage = await browser.newPage();
    const errors: string[] = [];
    yPage.on("pageerror", (e) => errors.push(String(e)));
    yPage.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await yPage.goto(`${server.url}web/?detector=haar`);
    // (no fake camera on this page: it is ready once the worker has loaded the cascade and the model)
    await yPage.waitForFunction(() => ["no-webcam", "running"].includes((window as any).resezapDemo?.status), null, { timeout: 30_000 });
    const file = join(root, "fixtures/faces/knn_test_kit_with_rose.png");
    await yPage.setInputFiles("#file", file);
    await yPage.waitForFunction(() => (window as any).resezapDemo?.latest?.source === "image", null, { timeout: 30_000 });
    const latest: Latest = await yPage.evaluate(() => (window as any).resezapDemo.latest);
    const lib = await import(join(root, "dist/index.js"));
    const img = lib.decodePng(readFileSync(file), "knn_test_kit_with_rose.png");
    const { DEFAULT_MODEL_DIR } = await import(join(root, "dist/paths.js"));
    const model = await lib.loadLayersModel(fileURLToPath(DEFAULT_MODEL_DIR));
    expect(await yPage.evaluate(() => (window as any).resezapDemo.settings)).toEqual(REALTIME);
    const node = lib.recognize(img, { model, detector: "haar", ...REALTIME }) as { box: Face["box"]; label: string }[];
    expect(node).toHaveLength(2);
    expect(latest.faces.map((f) => ({ box: f.box, label: f.label }))).toEqual(node.map((f) => ({ box: f.box, label: f.label })));
    await yPage.screenshot({ path: join(tmp, "web-e2e-haar.png") });
    await yPage.close();
    expect(errors).toEqual([]);
  }, 40_000);
});
