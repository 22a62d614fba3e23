// A quantized ResEZAP on one thread and on two in a cross-origin-isolated page (benchmarks/browser.mjs's
// benchBrowserThreads and test/web-threads.test.ts open it): the two give the same bits, and the median time of
// one face on each. The result goes to #result and window.resezapThreads.
import { loadLayersModel, quantize } from "../dist/resezap.browser.min.js";

const n = Number(new URLSearchParams(location.search).get("n") ?? 200);
const out = { isolated: globalThis.crossOriginIsolated === true, userAgent: navigator.userAgent };

/** Faces of a fixed pseudo-random pattern: the same bits in every run. */
function faces(count) {
  const x = new Float32Array(count * 2304);
  let s = 12345;
  for (let i = 0; i < x.length; i++) x[i] = ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 16777216;
  return x;
}

function medianMs(fn, runs) {
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[runs >> 1];
}

try {
  const model = await loadLayersModel(new URL("../models/fer2013/model.json", import.meta.url).href);
  const x = faces(16);
  const one = quantize(model, x), two = quantize(model, x);
  await two.setThreads(2);
  const a = one.predict(x, 16), b = two.predict(x, 16);
  out.same = a.every((v, i) => v === b[i]);
  out.threads = two.threadCount;
  const face = x.subarray(0, 2304);
  for (let i = 0; i < 50; i++) (one.predict(face), two.predict(face));
  // in turn, three times, so a drift of the machine falls on both
  const t1 = [], t2 = [];
  for (let r = 0; r < 3; r++) {
    t1.push(medianMs(() => one.predict(face), n));
    t2.push(medianMs(() => two.predict(face), n));
  }
  out.one_thread_ms = Math.round(t1.sort((p, q) => p - q)[1] * 1000) / 1000;
  out.two_threads_ms = Math.round(t2.sort((p, q) => p - q)[1] * 1000) / 1000;
  out.speedup = Math.round((out.one_thread_ms / out.two_threads_ms) * 100) / 100;
  await two.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
}
document.getElementById("result").textContent = JSON.stringify(out, null, 2);
window.resezapThreads = out;
