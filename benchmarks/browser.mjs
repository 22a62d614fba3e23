#!/usr/bin/env node
// Browser benchmark: the real-time pipeline (face detection + ResEZAP, in a Web Worker) in headless Chromium on
// one 640×480 frame with one face, run n times; medians of detection, classification and total ms per frame,
// and fps = 1000 / median total. detector "yunet" (the demo's default, scoreThreshold 0.9) or "haar" (real-time
// settings scaleFactor 1.2, minSize 60, minNeighbors 5).
// Chromium is the system's (/usr/bin/chromium or CHROMIUM_PATH), driven by playwright-core (a devDependency).
//
//   node benchmarks/browser.mjs [--quick] [--detector yunet|haar]     → JSON on stdout
//   import { benchBrowser } from "./browser.mjs"; await benchBrowser({ quick, detector })  → { skipped } without Chromium
//
// Needs `npm run build` (the page imports dist/browser.js).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (...a) => console.error("[browser]", ...a);

/**
 * Why the pages would run other code than dist/ holds, or null: the one-file bundle they import
 * (dist/resezap.browser.min.js) is missing, or older than a module tsc wrote after it (a `npm run build:ts`
 * without `build:browser`). A stale bundle once gave a two-thread figure from before the change it was to measure.
 */
export async function staleBundle(dist = resolve(root, "dist")) {
  const { readdir, stat } = await import("node:fs/promises");
  const mtime = (f) => stat(resolve(dist, f)).then((s) => s.mtimeMs, () => undefined);
  const bundle = await mtime("resezap.browser.min.js");
  if (bundle === undefined) return `${dist}/resezap.browser.min.js is missing: run npm run build`;
  for (const f of await readdir(dist, { recursive: true })) {
    if (!f.endsWith(".js") || f === "resezap.browser.min.js") continue;
    if ((await mtime(f)) > bundle) return `${dist}/resezap.browser.min.js is older than ${dist}/${f}: run npm run build:browser (or npm run build)`;
  }
  return null;
}

/**
 * Opens `path` (with its query) of the repository, served by scripts/serve.mjs, in headless Chromium and returns
 * what the page leaves in window[name] (with the browser's version), or { skipped } where that cannot run.
 */
async function runPage(path, name, timeout) {
  let chromium;
  try {
    chromium = await import(resolve(root, "scripts/chromium.mjs"));
  } catch {
    // the npm package ships benchmarks/*.mjs but not scripts/, web/ or the pages: these run from the repository
    return { skipped: "skipped: needs the repository's scripts/ and web/ (not in the npm package)" };
  }
  const { chromiumPath, launchChromium, NO_CHROMIUM } = chromium;
  if (!chromiumPath()) return { skipped: NO_CHROMIUM };
  try {
    await import("playwright-core");
  } catch {
    return { skipped: "skipped: playwright-core is not installed (npm install -D playwright-core)" };
  }
  const stale = await staleBundle();
  if (stale) throw new Error(`benchmarks/browser.mjs: ${stale}`);
  const { startServer } = await import(resolve(root, "scripts/serve.mjs"));
  const server = await startServer({ port: 0 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    log(`${server.url}${path}`);
    await page.goto(`${server.url}${path}`);
    await page.waitForFunction((k) => window[k], name, { timeout });
    const r = await page.evaluate((k) => window[k], name);
    if (r.error) throw new Error(`${path.split("?")[0]}: ${r.error}`);
    return { chromium: (await browser.context.browser()?.version()) ?? r.userAgent, ...r };
  } finally {
    await browser.close();
    await server.close();
  }
}

export function benchBrowser({ quick = false, detector = "yunet" } = {}) {
  // warm-up: past the detector's compile ("auto": at a frame size's tenth frame) and the engine's tier-up after it
  const n = quick ? 20 : 100, warmup = quick ? 5 : 40;
  return runPage(`web/bench.html?n=${n}&warmup=${warmup}&detector=${detector}`, "resezapBench", 300_000);
}

/**
 * A quantized model on one thread and on two in a cross-origin-isolated page (benchmarks/browser-threads.html):
 * whether the two give the same bits, and one face's median time on each. { skipped } without Chromium.
 */
export function benchBrowserThreads({ quick = false } = {}) {
  return runPage(`benchmarks/browser-threads.html?n=${quick ? 50 : 300}`, "resezapThreads", 120_000);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const at = process.argv.indexOf("--detector"), quick = process.argv.includes("--quick");
  try {
    const result = process.argv.includes("--threads") ? await benchBrowserThreads({ quick }) : await benchBrowser({ quick, detector: at > 0 ? process.argv[at + 1] : "yunet" });
    console.log(JSON.stringify(result, null, 2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
