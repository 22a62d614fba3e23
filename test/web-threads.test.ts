// A quantized model on two threads in a cross-origin-isolated page (scripts/serve.mjs sends the headers): the
// page benchmarks/browser-threads.html runs the one-file browser bundle, starts the Web Worker made from
// workerLoop's source, and compares every output with one thread's. Skips, saying so, where no Chromium is
// installed.
import { describe, expect, it } from "vitest";
import { chromiumPath, NO_CHROMIUM } from "../scripts/chromium.mjs";
import { benchBrowserThreads } from "../benchmarks/browser.mjs";

const exe = chromiumPath();
if (!exe) {
  console.warn(`web-threads: ${NO_CHROMIUM}`);
  it.skip(NO_CHROMIUM, () => {});
}

describe.skipIf(!exe)("two threads in a page", () => {
  it("the page is cross-origin isolated and two threads give one thread's bits", async () => {
    const r = await benchBrowserThreads({ quick: true });
    expect(r.isolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.same).toBe(true);
    expect(r.one_thread_ms).toBeGreaterThan(0);
    expect(r.two_threads_ms).toBeGreaterThan(0);
  }, 120_000);
});
