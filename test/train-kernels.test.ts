// The training kernels (assembly/train via src/train/kernels.ts) against their plain float64 TypeScript
// references (src/train/reference.ts) over many random shapes — sizes 1–20, channels 1–40 (most not
// multiples of 4 or 8), batch 1–5, both paddings — and each reference backward against central finite
// differences of its own forward, in float64 on small shapes.
import { describe, it, expect, beforeAll } from "vitest";
import { TrainKernels, conv3x3OutSize, type NHWC, type Padding, type Ptr } from "../src/train/kernels.js";
import { instantiateSync, relaxedSimdSupported, type ModuleName } from "../src/engine/wasm.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";
import * as ref from "../src/train/reference.js";
import { ArgumentError } from "../src/errors.js";

// relaxed SIMD is behind a flag in Node 20: turn it on so both builds are tested wherever V8 has it
await enableRelaxedSimd();
const variants: ModuleName[] = relaxedSimdSupported() ? ["train", "trainRelaxed"] : ["train"];

// ---- helpers ----

/** mulberry32: a small seeded generator, so a failure reproduces. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    /** n values uniform in [-s, s), as f32 */
    vec: (n: number, s = 1) => Float32Array.from({ length: n }, () => (2 * next() - 1) * s),
    vec64: (n: number, s = 1) => Float64Array.from({ length: n }, () => (2 * next() - 1) * s),
  };
}
type Rng = ReturnType<typeof rng>;

/** max |a - b| over the arrays, relative to 1 + max |b| (so sums of many terms are judged on their scale). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0, s = 0;
  for (let i = 0; i < b.length; i++) s = Math.max(s, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m / (1 + s);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const e = relErr(actual, expected);
  expect(e, `${what}: relative error ${e}`).toBeLessThanOrEqual(tol);
}

// f32 kernels against f64 references: sums of up to a few thousand products drift by ~1e-6 of their scale;
// a bug is off by O(1).
const TOL = 2e-5;

let k: TrainKernels;
/** NaN-filled output buffer, so an element a kernel forgets to write shows up. */
let out: (n: number) => Ptr;

beforeAll(() => {
  out = (n) => {
    const p = k.alloc(n + 8);
    k.arena.f32.fill(NaN, p >> 2, (p >> 2) + n + 8);
    return p;
  };
});

/** Runs body with the arena reset afterwards, so hundreds of random cases don't grow the memory. */
function scoped(body: () => void): void {
  const mark = k.arena.mark();
  try {
    body();
  } finally {
    k.arena.reset(mark);
  }
}

function randShape(r: Rng): NHWC {
  return { N: r.int(1, 5), H: r.int(1, 20), W: r.int(1, 20), C: r.int(1, 40) };
}
const size = (s: NHWC) => s.N * s.H * s.W * s.C;
const PADS: Padding[] = ["valid", "same"];
const padNum = (p: Padding) => (p === "same" ? 1 : 0);

/**
 * Central differences of L(θ) = Σ R·f(θ) in float64 for every element of theta (mutated and restored),
 * compared with the analytic gradient.
 */
function checkFD(theta: Float64Array, f: () => ArrayLike<number> | number, R: ArrayLike<number> | null, analytic: ArrayLike<number>, what: string, h = 1e-5, tol = 1e-6): void {
  const L = () => {
    const y = f();
    if (typeof y === "number") return y;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += R![i] * y[i];
    return s;
  };
  const num = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    const t = theta[i];
    theta[i] = t + h;
    const lp = L();
    theta[i] = t - h;
    const lm = L();
    theta[i] = t;
    num[i] = (lp - lm) / (2 * h);
  }
  expectClose(analytic, num, tol, `${what} vs finite differences`);
}

// ---- WASM kernels against the references ----

// Every kernel test below runs on each build this engine can run: plain SIMD, and relaxed SIMD (fused
// multiply-add, the default where it validates) — the same AssemblyScript compiled twice.
for (const variant of variants) describe(`training kernels (${variant})`, () => {
beforeAll(() => {
  k = new TrainKernels(instantiateSync(variant));
});

describe("depthwise 3×3 (WASM vs reference)", () => {
  it("forward, backward to input and to weights/bias over random shapes, both paddings", () => {
    const r = rng(1);
    for (let t = 0; t < 40; t++) {
      const s = randShape(r);
      const padding = PADS[t % 2];
      const pad = padNum(padding);
      const Ho = conv3x3OutSize(s.H, padding), Wo = conv3x3OutSize(s.W, padding);
      const nOut = s.N * Ho * Wo * s.C;
      const what = `N${s.N} ${s.H}×${s.W}×${s.C} ${padding}`;
      scoped(() => {
        const x = r.vec(size(s)), w = r.vec(9 * s.C), b = r.vec(s.C), dy = r.vec(nOut);
        const px = k.upload(x), pw = k.upload(w), pb = k.upload(b), pdy = k.upload(dy);
        const py = out(nOut), pdx = out(size(s)), pdw = out(9 * s.C), pdb = out(s.C);
        k.depthwise3x3Forward(px, s, pw, pb, py, padding);
        expectClose(k.read(py, nOut), ref.depthwise3x3Forward(x, s.N, s.H, s.W, s.C, w, b, pad), TOL, `forward ${what}`);
        k.depthwise3x3BackwardInput(pdy, s, pw, padding, pdx);
        const rdx = ref.depthwise3x3BackwardInput(dy, s.N, s.H, s.W, s.C, w, pad);
        expectClose(k.read(pdx, size(s)), rdx, TOL, `dx ${what}`);
        k.depthwise3x3BackwardWeights(px, pdy, s, padding, pdw, pdb);
        const rw = ref.depthwise3x3BackwardWeights(x, dy, s.N, s.H, s.W, s.C, pad);
        expectClose(k.read(pdw, 9 * s.C), rw.dw, TOL, `dw ${what}`);
        expectClose(k.read(pdb, s.C), rw.db, TOL, `db ${what}`);
        // accumulate: a second call adds the same gradients again
        k.depthwise3x3BackwardInput(pdy, s, pw, padding, pdx, true);
        expectClose(k.read(pdx, size(s)), rdx.map((v) => 2 * v), TOL, `dx accumulate ${what}`);
        k.depthwise3x3BackwardWeights(px, pdy, s, padding, pdw, pdb, true);
        expectClose(k.read(pdw, 9 * s.C), rw.dw.map((v) => 2 * v), TOL, `dw accumulate ${what}`);
        expectClose(k.read(pdb, s.C), rw.db.map((v) => 2 * v), TOL, `db accumulate ${what}`);
        // no bias in the forward, none asked for in the backward
        k.depthwise3x3Forward(px, s, pw, 0, py, padding);
        expectClose(k.read(py, nOut), ref.depthwise3x3Forward(x, s.N, s.H, s.W, s.C, w, null, pad), TOL, `forward no bias ${what}`);
        k.depthwise3x3BackwardWeights(px, pdy, s, padding, pdw, 0);
        expectClose(k.read(pdw, 9 * s.C), rw.dw, TOL, `dw without db ${what}`);
      });
    }
  });

  it("padding same on the smallest images (1–3 pixels a side, channel groups and tails): both gradients, plain and accumulated", () => {
    const r = rng(4);
    for (const H of [1, 2, 3]) for (const W of [1, 2, 3]) for (const C of [1, 4, 6, 8]) {
      scoped(() => {
        const s = { N: 2, H, W, C };
        const x = r.vec(size(s)), w = r.vec(9 * C), dy = r.vec(size(s));
        const px = k.upload(x), pw = k.upload(w), pdy = k.upload(dy), pdx = out(size(s)), pdw = out(9 * C), pdb = out(C);
        const what = `${H}×${W}×${C}`;
        const rdx = ref.depthwise3x3BackwardInput(dy, 2, H, W, C, w, 1);
        k.depthwise3x3BackwardInput(pdy, s, pw, "same", pdx);
        expectClose(k.read(pdx, size(s)), rdx, TOL, `dx ${what}`);
        k.depthwise3x3BackwardInput(pdy, s, pw, "same", pdx, true);
        expectClose(k.read(pdx, size(s)), rdx.map((v) => 2 * v), TOL, `dx accumulate ${what}`);
        const rw = ref.depthwise3x3BackwardWeights(x, dy, 2, H, W, C, 1);
        k.depthwise3x3BackwardWeights(px, pdy, s, "same", pdw, pdb);
        expectClose(k.read(pdw, 9 * C), rw.dw, TOL, `dw ${what}`);
        k.depthwise3x3BackwardWeights(px, pdy, s, "same", pdw, pdb, true);
        expectClose(k.read(pdw, 9 * C), rw.dw.map((v) => 2 * v), TOL, `dw accumulate ${what}`);
      });
    }
  });

  it("ResEZAP's shapes (48×48×1 valid, 24×24×32 same) at batch 2", () => {
    const r = rng(2);
    for (const [s, padding] of [[{ N: 2, H: 48, W: 48, C: 1 }, "valid"], [{ N: 2, H: 24, W: 24, C: 32 }, "same"]] as [NHWC, Padding][]) {
      scoped(() => {
        const pad = padNum(padding);
        const Ho = conv3x3OutSize(s.H, padding), nOut = s.N * Ho * Ho * s.C;
        const x = r.vec(size(s)), w = r.vec(9 * s.C), dy = r.vec(nOut);
        const px = k.upload(x), pw = k.upload(w), pdy = k.upload(dy), pdx = out(size(s)), pdw = out(9 * s.C), pdb = out(s.C);
        k.depthwise3x3BackwardInput(pdy, s, pw, padding, pdx);
        expectClose(k.read(pdx, size(s)), ref.depthwise3x3BackwardInput(dy, s.N, s.H, s.W, s.C, w, pad), TOL, "dx");
        k.depthwise3x3BackwardWeights(px, pdy, s, padding, pdw, pdb);
        const rw = ref.depthwise3x3BackwardWeights(x, dy, s.N, s.H, s.W, s.C, pad);
        expectClose(k.read(pdw, 9 * s.C), rw.dw, TOL, "dw");
        expectClose(k.read(pdb, s.C), rw.db, TOL, "db");
      });
    }
  });
});

describe("pointwise 1×1 / dense (WASM vs reference)", () => {
  it("forward, dx = dy·wᵀ, dw = xᵀ·dy, db over random shapes", () => {
    const r = rng(3);
    for (let t = 0; t < 60; t++) {
      // pixel counts of a batch of small maps (up to 5·20·20 = 2000, several 128-row blocks of gemmAtB),
      // or of a dense layer (P = N)
      const P = t % 3 === 0 ? r.int(1, 5) : r.int(1, 5) * r.int(1, 20) * r.int(1, 20);
      const C = r.int(1, 40), F = r.int(1, 40);
      const what = `P${P} C${C} F${F}`;
      scoped(() => {
        const x = r.vec(P * C), w = r.vec(C * F), b = r.vec(F), dy = r.vec(P * F);
        const px = k.upload(x), pw = k.upload(w), pb = k.upload(b), pdy = k.upload(dy);
        const py = out(P * F), pdx = out(P * C), pdw = out(C * F), pdb = out(F);
        k.pointwiseForward(px, P, C, pw, F, pb, py);
        expectClose(k.read(py, P * F), ref.pointwiseForward(x, P, C, w, F, b), TOL, `forward ${what}`);
        k.pointwiseForward(px, P, C, pw, F, 0, py);
        expectClose(k.read(py, P * F), ref.pointwiseForward(x, P, C, w, F, null), TOL, `forward no bias ${what}`);
        const g = ref.pointwiseBackward(x, dy, P, C, F, w);
        k.pointwiseBackwardInput(pdy, P, F, pw, C, pdx);
        expectClose(k.read(pdx, P * C), g.dx, TOL, `dx ${what}`);
        k.pointwiseBackwardWeights(px, pdy, P, C, F, pdw, pdb);
        expectClose(k.read(pdw, C * F), g.dw, TOL, `dw ${what}`);
        expectClose(k.read(pdb, F), g.db, TOL, `db ${what}`);
        k.pointwiseBackwardInput(pdy, P, F, pw, C, pdx, true);
        expectClose(k.read(pdx, P * C), g.dx.map((v) => 2 * v), TOL, `dx accumulate ${what}`);
        k.pointwiseBackwardWeights(px, pdy, P, C, F, pdw, pdb, true);
        expectClose(k.read(pdw, C * F), g.dw.map((v) => 2 * v), TOL, `dw accumulate ${what}`);
        expectClose(k.read(pdb, F), g.db.map((v) => 2 * v), TOL, `db accumulate ${what}`);
      });
    }
  });

  it("ResEZAP's largest pointwise (46×46, 32→32) and the head's dense layers at batch 4", () => {
    const r = rng(4);
    for (const [P, C, F] of [[4 * 46 * 46, 32, 32], [4, 96, 96], [4, 96, 7]]) {
      scoped(() => {
        const x = r.vec(P * C), w = r.vec(C * F), dy = r.vec(P * F);
        const px = k.upload(x), pw = k.upload(w), pdy = k.upload(dy), pdx = out(P * C), pdw = out(C * F), pdb = out(F);
        const g = ref.pointwiseBackward(x, dy, P, C, F, w);
        k.pointwiseBackwardInput(pdy, P, F, pw, C, pdx);
        expectClose(k.read(pdx, P * C), g.dx, TOL, "dx");
        k.pointwiseBackwardWeights(px, pdy, P, C, F, pdw, pdb);
        expectClose(k.read(pdw, C * F), g.dw, TOL, "dw");
        expectClose(k.read(pdb, F), g.db, TOL, "db");
      });
    }
  });

  it("gemm with accumulate and bias; gemmAtB", () => {
    const r = rng(5);
    for (let t = 0; t < 30; t++) {
      const M = r.int(1, 40), K = r.int(0, 40), N = r.int(1, 40);
      scoped(() => {
        const a = r.vec(M * K), b = r.vec(K * N), bias = r.vec(N), init = r.vec(M * N);
        const pa = k.upload(a), pb = k.upload(b), pbias = k.upload(bias), po = k.upload(init);
        k.gemm(pa, M, K, pb, N, pbias, po, true);
        const e = ref.pointwiseForward(a, M, K, b, N, bias).map((v, i) => v + init[i]);
        expectClose(k.read(po, M * N), e, TOL, `gemm M${M} K${K} N${N}`);
        const pt = out(K * N);
        k.gemmAtB(pa, M, K, k.upload(init), N, pt);
        expectClose(k.read(pt, K * N), ref.pointwiseBackward(a, init, M, K, N, new Float32Array(K * N)).dw, TOL, `gemmAtB P${M} K${K} N${N}`);
      });
    }
  });
});

describe("batch norm, training mode (WASM vs reference)", () => {
  it("forward (stats, saved values, moving averages both ways) and backward over random shapes", () => {
    const r = rng(6);
    for (let t = 0; t < 40; t++) {
      const s = randShape(r);
      const M = s.N * s.H * s.W, C = s.C;
      const unbiased = t % 2 === 1;
      const what = `M${M} C${C} ${unbiased ? "unbiased" : "biased"}`;
      scoped(() => {
        // an offset per channel, so a one-pass E[x²] - E[x]² would lose digits and be caught
        const offs = r.vec64(C, 5);
        const x = Float32Array.from(r.vec(M * C, 2), (v, i) => v + offs[i % C]);
        const gamma = r.vec(C, 2), beta = r.vec(C), mm = r.vec(C), mv = Float32Array.from(r.vec(C), (v) => 1 + v * 0.5);
        const dy = r.vec(M * C);
        const eps = 1e-3, momentum = 0.99;
        const p = { gamma: k.upload(gamma), beta: k.upload(beta), movingMean: k.upload(mm), movingVar: k.upload(mv) };
        const saved = { mean: out(C), invStd: out(C) };
        const px = k.upload(x), py = out(M * C);
        k.batchNormForwardTrain(px, M, C, p, py, saved, { eps, momentum, unbiasedMovingVar: unbiased });
        const e = ref.batchNormForwardTrain(x, M, C, gamma, beta, eps, mm, mv, momentum, unbiased);
        expectClose(k.read(py, M * C), e.y, TOL, `y ${what}`);
        expectClose(k.read(saved.mean, C), e.mean, 1e-6, `mean ${what}`);
        expectClose(k.read(saved.invStd, C), e.invStd, 1e-5, `invStd ${what}`);
        expectClose(k.read(p.movingMean, C), e.movingMean, 1e-6, `moving mean ${what}`);
        expectClose(k.read(p.movingVar, C), e.movingVar, 1e-6, `moving var ${what}`);

        const pdy = k.upload(dy), pdx = out(M * C), pdg = out(C), pdb = out(C);
        k.batchNormBackward(px, pdy, M, C, p.gamma, saved, pdx, pdg, pdb);
        const g = ref.batchNormBackward(x, dy, M, C, gamma, e.mean, e.invStd);
        expectClose(k.read(pdx, M * C), g.dx, 1e-4, `dx ${what}`);
        expectClose(k.read(pdg, C), g.dGamma, TOL, `dGamma ${what}`);
        expectClose(k.read(pdb, C), g.dBeta, TOL, `dBeta ${what}`);
        k.batchNormBackward(px, pdy, M, C, p.gamma, saved, pdx, pdg, pdb, true);
        expectClose(k.read(pdg, C), g.dGamma.map((v) => 2 * v), TOL, `dGamma accumulate ${what}`);
        expectClose(k.read(pdb, C), g.dBeta.map((v) => 2 * v), TOL, `dBeta accumulate ${what}`);

        // updateMoving false leaves the moving statistics alone
        const before = k.read(p.movingMean, C);
        k.batchNormForwardTrain(px, M, C, p, py, saved, { eps, momentum, updateMoving: false });
        expect(Array.from(k.read(p.movingMean, C))).toEqual(Array.from(before));

        const pi = out(M * C);
        k.batchNormInference(px, M, C, p, eps, pi);
        expectClose(k.read(pi, M * C), ref.batchNormInference(x, M, C, gamma, beta, k.read(p.movingMean, C), k.read(p.movingVar, C), eps), TOL, `inference ${what}`);
      });
    }
  });

  it("keeps its precision over a ResEZAP-sized batch (64·46·46 pixels, 32 channels, mean 3)", () => {
    const r = rng(7);
    const M = 64 * 46 * 46, C = 32;
    scoped(() => {
      const x = Float32Array.from(r.vec(M * C), (v) => 3 + v);
      const ones = new Float32Array(C).fill(1), zeros = new Float32Array(C);
      const p = { gamma: k.upload(ones), beta: k.upload(zeros), movingMean: k.upload(zeros), movingVar: k.upload(ones) };
      const saved = { mean: out(C), invStd: out(C) };
      k.batchNormForwardTrain(k.upload(x), M, C, p, out(M * C), saved, { eps: 1e-3, momentum: 0.99 });
      const e = ref.batchNormForwardTrain(x, M, C, ones, zeros, 1e-3, zeros, ones, 0.99, false);
      expectClose(k.read(saved.mean, C), e.mean, 1e-6, "mean");
      expectClose(k.read(saved.invStd, C), e.invStd, 1e-6, "invStd");
    });
  });
});

describe("element-wise and spatial kernels (WASM vs reference)", () => {
  it("relu, relu backward, add, addInto", () => {
    const r = rng(8);
    for (let t = 0; t < 20; t++) {
      const n = r.int(0, 300);
      scoped(() => {
        const x = r.vec(n), dy = r.vec(n), b = r.vec(n);
        x[0] = 0; // ReLU'(0) = 0
        const px = k.upload(x), pdy = k.upload(dy), pb = k.upload(b), py = out(n), pdx = out(n);
        k.relu(px, n, py);
        expectClose(k.read(py, n), ref.relu(x), 0, "relu");
        k.reluBackward(py, pdy, n, pdx);
        expectClose(k.read(pdx, n), ref.reluBackward(x, dy), 0, "relu backward from output");
        k.reluBackward(px, pdy, n, pdx);
        expectClose(k.read(pdx, n), ref.reluBackward(x, dy), 0, "relu backward from input");
        k.add(px, pb, n, py, true);
        expectClose(k.read(py, n), ref.relu(x.map((v, i) => v + b[i])), 0, "add + relu");
        k.addInto(px, pb, n);
        expectClose(k.read(px, n), x.map((v, i) => v + b[i]), 0, "addInto");
      });
    }
  });

  it("zero padding, average pooling 2×2/2, global max pooling: forward and backward", () => {
    const r = rng(9);
    for (let t = 0; t < 40; t++) {
      const s = randShape(r);
      const pad = { top: r.int(0, 2), bottom: r.int(0, 2), left: r.int(0, 2), right: r.int(0, 2) };
      const what = `N${s.N} ${s.H}×${s.W}×${s.C}`;
      scoped(() => {
        const x = r.vec(size(s));
        const px = k.upload(x);
        const Hp = s.H + pad.top + pad.bottom, Wp = s.W + pad.left + pad.right, nPad = s.N * Hp * Wp * s.C;
        const py = out(nPad);
        k.zeroPadForward(px, s, pad, py);
        expectClose(k.read(py, nPad), ref.zeroPadForward(x, s.N, s.H, s.W, s.C, pad.top, pad.bottom, pad.left, pad.right), 0, `pad ${what}`);
        const dyPad = r.vec(nPad), pdx = out(size(s));
        k.zeroPadBackward(k.upload(dyPad), s, pad, pdx);
        expectClose(k.read(pdx, size(s)), ref.zeroPadBackward(dyPad, s.N, s.H, s.W, s.C, pad.top, pad.bottom, pad.left, pad.right), 0, `pad backward ${what}`);

        const nPool = s.N * (s.H >> 1) * (s.W >> 1) * s.C;
        const pp = out(nPool);
        k.avgPool2x2Forward(px, s, pp);
        expectClose(k.read(pp, nPool), ref.avgPool2x2Forward(x, s.N, s.H, s.W, s.C), 1e-7, `avg pool ${what}`);
        const dyPool = r.vec(nPool);
        k.avgPool2x2Backward(k.upload(dyPool), s, pdx);
        expectClose(k.read(pdx, size(s)), ref.avgPool2x2Backward(dyPool, s.N, s.H, s.W, s.C), 0, `avg pool backward ${what}`);

        // padding then pooling, fused: against the reference composition (padded map, then pooling)
        const sp = { N: s.N, H: Hp, W: Wp, C: s.C };
        const nPP = s.N * (Hp >> 1) * (Wp >> 1) * s.C, pq = out(nPP);
        const padded = ref.zeroPadForward(x, s.N, s.H, s.W, s.C, pad.top, pad.bottom, pad.left, pad.right);
        k.avgPool2x2PaddedForward(px, s, pad, pq);
        expectClose(k.read(pq, nPP), ref.avgPool2x2Forward(padded, sp.N, sp.H, sp.W, sp.C), 1e-7, `pad + avg pool ${what}`);
        // and bit for bit the two unfused kernels (py holds the padded map from above)
        const pu = out(nPP);
        k.avgPool2x2Forward(py, sp, pu);
        expectClose(k.read(pq, nPP), k.read(pu, nPP), 0, `pad + avg pool = unfused kernels ${what}`);
        const dyPP = r.vec(nPP);
        k.avgPool2x2PaddedBackward(k.upload(dyPP), s, pad, pdx);
        const viaPad = ref.zeroPadBackward(ref.avgPool2x2Backward(dyPP, sp.N, sp.H, sp.W, sp.C), s.N, s.H, s.W, s.C, pad.top, pad.bottom, pad.left, pad.right);
        expectClose(k.read(pdx, size(s)), viaPad, 0, `pad + avg pool backward ${what}`);

        const P = s.H * s.W;
        if (t % 4 === 0) for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 2); // ties: the first maximum wins
        const px2 = k.upload(x), pg = out(s.N * s.C), pa = out(s.N * s.C);
        k.globalMaxPoolForward(px2, s.N, P, s.C, pg, pa);
        const e = ref.globalMaxPoolForward(x, s.N, P, s.C);
        expectClose(k.read(pg, s.N * s.C), e.y, 0, `global max ${what}`);
        expect(Array.from(k.readI32(pa, s.N * s.C)), `argmax ${what}`).toEqual(Array.from(e.argmax));
        const dyG = r.vec(s.N * s.C);
        k.globalMaxPoolBackward(k.upload(dyG), pa, s.N, P, s.C, pdx);
        expectClose(k.read(pdx, size(s)), ref.globalMaxPoolBackward(dyG, e.argmax, s.N, P, s.C), 0, `global max backward ${what}`);
      });
    }
  });
});

/** N rows of K logits, labels, and soft targets: each row a distribution, every third row all zeros (no soft target). */
function lossCase(r: ReturnType<typeof rng>, N: number, K: number) {
  const z = r.vec(N * K, 6);
  const labels = Int32Array.from({ length: N }, () => r.int(0, K - 1));
  const soft = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    if (n % 3 === 2) continue;
    let sum = 0;
    for (let k = 0; k < K; k++) sum += soft[n * K + k] = Math.abs(r.vec(1, 1)[0]) + 0.01;
    for (let k = 0; k < K; k++) soft[n * K + k] /= sum;
  }
  return { z, labels, soft };
}

describe("loss and optimisers (WASM vs reference)", () => {
  it("softmax cross-entropy with label smoothing: mean loss and d(logits)", () => {
    const r = rng(10);
    for (let t = 0; t < 30; t++) {
      const N = r.int(1, 64), K = r.int(1, 12), eps = [0, 0.1, 0.3][t % 3];
      scoped(() => {
        const z = r.vec(N * K, 8);
        const labels = Int32Array.from({ length: N }, () => r.int(0, K - 1));
        const pd = out(N * K);
        const loss = k.softmaxCrossEntropy(k.upload(z), k.uploadI32(labels), N, K, eps, pd);
        const e = ref.softmaxCrossEntropy(z, labels, N, K, eps);
        expect(Math.abs(loss - e.loss)).toBeLessThan(1e-9 * (1 + e.loss));
        expectClose(k.read(pd, N * K), e.dLogits, 1e-6, `dLogits N${N} K${K} ε${eps}`);
      });
    }
    scoped(() => {
      expect(() => k.softmaxCrossEntropy(k.upload([1, 2]), k.uploadI32([2]), 1, 2, 0, 0)).toThrow(ArgumentError);
    });
  });

  it("softmax cross-entropy with soft targets: rows of zeros train on the label alone; weight 0 is plain smoothing to the bit", () => {
    const r = rng(12);
    for (let t = 0; t < 24; t++) {
      const N = r.int(1, 40), K = r.int(2, 9), eps = [0, 0.1][t % 2], w = [0, 0.3, 1][t % 3];
      scoped(() => {
        const { z, labels, soft } = lossCase(r, N, K);
        const pz = k.upload(z), pl = k.uploadI32(labels), ps = k.upload(soft), pd = out(N * K), pd0 = out(N * K);
        const loss = k.softmaxCrossEntropy(pz, pl, N, K, eps, pd, ps, w);
        const e = ref.softmaxCrossEntropy(z, labels, N, K, eps, soft, w);
        // the kernel's closed form assumes Σ t = 1; f32 soft rows sum to 1 within ~1e-7, which moves the loss by that × lse
        expect(Math.abs(loss - e.loss)).toBeLessThan(1e-6 * (1 + e.loss));
        expectClose(k.read(pd, N * K), e.dLogits, 1e-6, `dLogits N${N} K${K} ε${eps} w${w}`);
        const plain = k.softmaxCrossEntropy(pz, pl, N, K, eps, pd0);
        if (w === 0) {
          expect(loss).toBe(plain);
          expect(Array.from(k.read(pd, N * K))).toEqual(Array.from(k.read(pd0, N * K)));
        } else expect(loss).not.toBe(plain);
      });
    }
    scoped(() => {
      expect(() => k.softmaxCrossEntropy(k.upload([1, 2]), k.uploadI32([1]), 1, 2, 0, 0, k.upload([0.5, 0.5]), 1.01)).toThrow(/soft-target weight: expected a number in \[0, 1\], got 1\.01/);
    });
  });

  it("softmax cross-entropy distilling at a temperature: kernel = reference; T = 1 is the mixed target to the bit", () => {
    const r = rng(13);
    for (let t = 0; t < 24; t++) {
      const N = r.int(1, 40), K = r.int(2, 9), eps = [0, 0.1][t % 2], w = [0.3, 1, 0.5][t % 3], T = [0.5, 2, 4, 7.5][t % 4];
      scoped(() => {
        const { z, labels, soft } = lossCase(r, N, K);
        const pz = k.upload(z), pl = k.uploadI32(labels), ps = k.upload(soft), pd = out(N * K), pd1 = out(N * K), pdm = out(N * K);
        const loss = k.softmaxCrossEntropy(pz, pl, N, K, eps, pd, ps, w, T);
        const e = ref.softmaxCrossEntropy(z, labels, N, K, eps, soft, w, T);
        expect(Math.abs(loss - e.loss)).toBeLessThan(1e-6 * T * T * (1 + e.loss));
        expectClose(k.read(pd, N * K), e.dLogits, 1e-6 * T, `dLogits N${N} K${K} ε${eps} w${w} T${T}`);
        // T = 1 given explicitly is the single mixed target, bit for bit
        const mixed = k.softmaxCrossEntropy(pz, pl, N, K, eps, pdm, ps, w);
        expect(k.softmaxCrossEntropy(pz, pl, N, K, eps, pd1, ps, w, 1)).toBe(mixed);
        expect(Array.from(k.read(pd1, N * K))).toEqual(Array.from(k.read(pdm, N * K)));
        if (N >= 2) expect(loss).not.toBe(mixed);
      });
    }
    scoped(() => {
      // rows without a soft target ignore the temperature: plain label smoothing to the bit
      const z = [0.3, -1, 2, 0.5, 0.5, -0.2], labels = k.uploadI32([2, 0]), pz = k.upload(z), pd = out(6), pd0 = out(6);
      expect(k.softmaxCrossEntropy(pz, labels, 2, 3, 0.1, pd, k.upload(new Float32Array(6)), 0.5, 3)).toBe(k.softmaxCrossEntropy(pz, labels, 2, 3, 0.1, pd0));
      expect(Array.from(k.read(pd, 6))).toEqual(Array.from(k.read(pd0, 6)));
      // all weight on the teacher and logits T·log q: softmax(z / T) = q, so the gradient vanishes
      const q = [0.6, 0.3, 0.1], T = 4;
      const pg = out(3);
      k.softmaxCrossEntropy(k.upload(q.map((x) => T * Math.log(x) + 0.7)), k.uploadI32([1]), 1, 3, 0.1, pg, k.upload(q), 1, T);
      for (const g of k.read(pg, 3)) expect(Math.abs(g)).toBeLessThan(1e-6);
      expect(() => k.softmaxCrossEntropy(k.upload([1, 2]), k.uploadI32([1]), 1, 2, 0, 0, k.upload([0.5, 0.5]), 0.5, 0)).toThrow(/distillation temperature: expected a number in \(0, 100\], got 0/);
    });
  });

  it("Adam (L2 and decoupled AdamW) over several steps", () => {
    const r = rng(11);
    for (const decoupled of [false, true]) {
      const n = r.int(1, 50);
      scoped(() => {
        let p64: ArrayLike<number> = r.vec(n), m64: ArrayLike<number> = new Float64Array(n), v64: ArrayLike<number> = new Float64Array(n);
        const pp = k.upload(p64), pm = k.allocZeroed(n), pv = k.allocZeroed(n), pg = k.alloc(n);
        for (let step = 1; step <= 5; step++) {
          const g = r.vec(n);
          k.write(pg, g);
          const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-7, weightDecay: 0.05, step, decoupled };
          k.adamStep(pp, pg, pm, pv, n, o);
          const e = ref.adamStep(p64, g, m64, v64, o);
          // the reference continues from the kernel's f32 state, so errors don't compound
          p64 = k.read(pp, n); m64 = k.read(pm, n); v64 = k.read(pv, n);
          expectClose(p64, e.p, 1e-6, `adam p step ${step} decoupled ${decoupled}`);
          expectClose(m64, e.m, 1e-6, `adam m step ${step}`);
          expectClose(v64, e.v, 1e-6, `adam v step ${step}`);
        }
      });
    }
  });

  it("SGD: plain, momentum, Nesterov, weight decay", () => {
    const r = rng(12);
    for (const [momentum, nesterov] of [[0, false], [0.9, false], [0.9, true]] as [number, boolean][]) {
      const n = r.int(1, 50);
      scoped(() => {
        let p64: ArrayLike<number> = r.vec(n), b64: ArrayLike<number> = new Float64Array(n);
        const pp = k.upload(p64), pb = k.allocZeroed(n), pg = k.alloc(n);
        for (let step = 1; step <= 4; step++) {
          const g = r.vec(n);
          k.write(pg, g);
          const o = { lr: 0.1, momentum, weightDecay: 1e-2, nesterov };
          k.sgdStep(pp, pg, momentum ? pb : 0, n, o);
          const e = ref.sgdStep(p64, g, b64, o);
          p64 = k.read(pp, n);
          expectClose(p64, e.p, 1e-6, `sgd p μ${momentum} nesterov ${nesterov} step ${step}`);
          if (momentum) {
            b64 = k.read(pb, n);
            expectClose(b64, e.buf, 1e-6, `sgd buf step ${step}`);
          }
        }
      });
    }
  });
});
});

// ---- references against finite differences (float64, small shapes) ----

describe("reference backward passes against central finite differences", () => {
  it("depthwise 3×3: dx, dw, db, both paddings", () => {
    const r = rng(20);
    for (const padding of PADS) {
      const pad = padNum(padding);
      const s = { N: 2, H: 5, W: 4, C: 3 };
      const x = r.vec64(size(s)), w = r.vec64(9 * s.C), b = r.vec64(s.C);
      const nOut = s.N * conv3x3OutSize(s.H, padding) * conv3x3OutSize(s.W, padding) * s.C;
      const R = r.vec64(nOut);
      const f = () => ref.depthwise3x3Forward(x, s.N, s.H, s.W, s.C, w, b, pad);
      const gw = ref.depthwise3x3BackwardWeights(x, R, s.N, s.H, s.W, s.C, pad);
      checkFD(x, f, R, ref.depthwise3x3BackwardInput(R, s.N, s.H, s.W, s.C, w, pad), `depthwise dx ${padding}`);
      checkFD(w, f, R, gw.dw, `depthwise dw ${padding}`);
      checkFD(b, f, R, gw.db, `depthwise db ${padding}`);
    }
  });

  it("pointwise / dense: dx, dw, db", () => {
    const r = rng(21);
    const P = 7, C = 5, F = 6;
    const x = r.vec64(P * C), w = r.vec64(C * F), b = r.vec64(F), R = r.vec64(P * F);
    const f = () => ref.pointwiseForward(x, P, C, w, F, b);
    const g = ref.pointwiseBackward(x, R, P, C, F, w);
    checkFD(x, f, R, g.dx, "pointwise dx");
    checkFD(w, f, R, g.dw, "pointwise dw");
    checkFD(b, f, R, g.db, "pointwise db");
  });

  it("batch norm (training mode, batch statistics depend on x): dx, dGamma, dBeta", () => {
    const r = rng(22);
    const M = 9, C = 3;
    const x = r.vec64(M * C, 2), gamma = r.vec64(C, 2), beta = r.vec64(C), R = r.vec64(M * C);
    const zeros = new Float64Array(C);
    const f = () => ref.batchNormForwardTrain(x, M, C, gamma, beta, 1e-3, zeros, zeros, 0.99, false).y;
    const e = ref.batchNormForwardTrain(x, M, C, gamma, beta, 1e-3, zeros, zeros, 0.99, false);
    const g = ref.batchNormBackward(x, R, M, C, gamma, e.mean, e.invStd);
    checkFD(x, f, R, g.dx, "batch norm dx");
    checkFD(gamma, f, R, g.dGamma, "batch norm dGamma");
    checkFD(beta, f, R, g.dBeta, "batch norm dBeta");
  });

  it("ReLU, zero padding, average pooling, global max pooling", () => {
    const r = rng(23);
    // ReLU: values kept away from the kink
    const x = Float64Array.from(r.vec64(40), (v) => (v >= 0 ? v + 0.1 : v - 0.1));
    const R = r.vec64(40);
    checkFD(x, () => ref.relu(x), R, ref.reluBackward(x, R), "relu");

    const s = { N: 2, H: 5, W: 3, C: 2 };
    const xs = r.vec64(size(s));
    const pads = [1, 2, 0, 1] as const;
    const nPad = s.N * (s.H + 3) * (s.W + 1) * s.C;
    const Rp = r.vec64(nPad);
    checkFD(xs, () => ref.zeroPadForward(xs, s.N, s.H, s.W, s.C, ...pads), Rp, ref.zeroPadBackward(Rp, s.N, s.H, s.W, s.C, ...pads), "zero pad");

    const Rq = r.vec64(s.N * (s.H >> 1) * (s.W >> 1) * s.C);
    checkFD(xs, () => ref.avgPool2x2Forward(xs, s.N, s.H, s.W, s.C), Rq, ref.avgPool2x2Backward(Rq, s.N, s.H, s.W, s.C), "avg pool (odd sizes)");

    const P = s.H * s.W;
    const Rg = r.vec64(s.N * s.C);
    const { argmax } = ref.globalMaxPoolForward(xs, s.N, P, s.C); // distinct random values: differentiable
    checkFD(xs, () => ref.globalMaxPoolForward(xs, s.N, P, s.C).y, Rg, ref.globalMaxPoolBackward(Rg, argmax, s.N, P, s.C), "global max pool", 1e-7);
  });

  it("softmax cross-entropy with label smoothing: d(mean loss)/d(logits)", () => {
    const r = rng(24);
    const N = 4, K = 7;
    const z = r.vec64(N * K, 3);
    const labels = [0, 6, 3, 3];
    for (const eps of [0, 0.1]) {
      checkFD(z, () => ref.softmaxCrossEntropy(z, labels, N, K, eps).loss, null, ref.softmaxCrossEntropy(z, labels, N, K, eps).dLogits, `softmax CE ε${eps}`);
    }
    // with soft targets (a row of zeros among them): the reference's gradient is its loss's
    const soft = Float64Array.from([0.1, 0.2, 0.3, 0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 1, 0, 0, 0, 0, 0, 0]);
    checkFD(z, () => ref.softmaxCrossEntropy(z, labels, N, K, 0.1, soft, 0.4).loss, null, ref.softmaxCrossEntropy(z, labels, N, K, 0.1, soft, 0.4).dLogits, "softmax CE soft w0.4");
    for (const T of [0.5, 3]) {
      checkFD(z, () => ref.softmaxCrossEntropy(z, labels, N, K, 0.1, soft, 0.4, T).loss, null, ref.softmaxCrossEntropy(z, labels, N, K, 0.1, soft, 0.4, T).dLogits, `softmax CE soft w0.4 T${T}`);
    }
    // sanity: with ε = 0 the loss is -log p(label); uniform logits give log K
    expect(ref.softmaxCrossEntropy(new Float64Array(K), [2], 1, K, 0.1).loss).toBeCloseTo(Math.log(K), 12);
  });
});
