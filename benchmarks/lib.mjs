import { readFileSync } from "node:fs";
// Shared by the benchmark files: tinybench medians, and WASM instances with an arena to put data in.
import { Bench } from "tinybench";
import { Arena, instantiateSync } from "../dist/engine/wasm.js";

export const SETTINGS = {
  quick: { time: 150, iterations: 5, warmupTime: 50, warmupIterations: 3 },
  full: { time: 1000, iterations: 20, warmupTime: 300, warmupIterations: 10 },
};

/** Median ms of fn under tinybench (after a warm-up, so V8 has tiered the WASM up). */
export async function medianMs(fn, opts) {
  const bench = new Bench({ ...opts, warmup: true, throws: true });
  bench.add("task", fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.error) throw r.error;
  return r.latency.p50;
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function medianOf(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function wasm(name) {
  const ex = instantiateSync(name).exports;
  const arena = new Arena(ex);
  const put = (a) => {
    const p = arena.alloc(a.length * 4 + 64);
    arena.writeF32(p, a);
    return p;
  };
  return { ex, arena, put, alloc: (n) => arena.alloc(n * 4 + 64) };
}

export function randomArray(n, seed = 1) {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

export const round = (x, d = 3) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

/** The nine conv layers of ResEZAP: input H, W, C, output F, pad. */
export async function convLayers() {
  const { resezap } = await import("../dist/index.js");
  const m = resezap();
  return m.layers
    .filter((l) => l.className === "SeparableConv2D")
    .map((l) => {
      const [H, W, C] = l.inputShapes[0];
      return { name: l.name, H, W, C, F: l.filters, pad: l.padding === "same" ? 1 : 0, Ho: l.output.shape[0], Wo: l.output.shape[1] };
    });
}

/** The SIMD-related flags of /proc/cpuinfo (Linux), which decide what native peers can use. */
export function cpuFlags() {
  try {
    const flags = readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1].trim().split(/\s+/) ?? [];
    return flags.filter((x) => /^(sse4_2|avx|avx2|fma|avx512.*|avx_vnni|amx.*)$/.test(x)).join(" ") || "unknown";
  } catch {
    return "unknown";
  }
}
