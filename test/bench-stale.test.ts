// benchmarks/browser.mjs refuses to open a page on a browser bundle older than the modules tsc wrote (a
// `npm run build:ts` without `build:browser`): the page would time old code under the new code's name.
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { staleBundle } from "../benchmarks/browser.mjs";
import { tempDir } from "./temp-dir.js";

function dist(files: Record<string, number>): string {
  const d = tempDir("stale");
  for (const [f, t] of Object.entries(files)) {
    mkdirSync(join(d, f, ".."), { recursive: true });
    writeFileSync(join(d, f), "//");
    utimesSync(join(d, f), t, t);
  }
  return d;
}

describe("staleBundle", () => {
  it("is null when the bundle is the newest file", async () => {
    expect(await staleBundle(dist({ "browser.js": 1000, "quant/split.js": 1500, "resezap.browser.min.js": 2000 }))).toBeNull();
  });
  it("names the module written after the bundle", async () => {
    const d = dist({ "browser.js": 1000, "quant/split.js": 3000, "resezap.browser.min.js": 2000 });
    expect(await staleBundle(d)).toBe(`${d}/resezap.browser.min.js is older than ${d}/quant/split.js: run npm run build:browser (or npm run build)`);
  });
  it("says when the bundle is missing", async () => {
    const d = dist({ "browser.js": 1000 });
    expect(await staleBundle(d)).toBe(`${d}/resezap.browser.min.js is missing: run npm run build`);
  });
  it("ignores files that are not modules", async () => {
    expect(await staleBundle(dist({ "resezap.browser.min.js": 2000, "browser.d.ts": 3000, "index.js.map": 3000 }))).toBeNull();
  });
});
