// Every inference kernel of assembly/nn against its plain TypeScript reference (src/reference/kernels.ts)
// over many random shapes: sizes 1–50, channels 1–100 (most not multiples of 4 or 8), both paddings,
// and both WASM builds this engine can run (plain SIMD always; relaxed SIMD where it validates).
import { describe, it, expect } from "vitest";
import { relaxedSimdSupported, type ModuleName } from "../src/engine/wasm.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";
import { packBias, packConv3x3, packPointwise } from "../src/engine/pack.js";
import * as ref from "../src/reference/kernels.js";
import { Random } from "../src/util/random.js";
import { expectClose, kernelHarness } from "./helpers.js";

// relaxed SIMD is behind a flag in Node 20: turn it on so both builds are tested wherever V8 has it
await enableRelaxedSimd();
const variants: ModuleName[] = relaxedSimdSupported() ? ["nnSimd", "nnRelaxed"] : ["nnSimd"];
const TOL = 2e-6;
// float32 sums of K products drift from the float64 reference by about K·2⁻²⁴ at worst; a real bug is off by O(1)
const dotTol = (K: number) => 1e-6 + 1e-7 * K;


/** Random channel count in 1..100, biased towards awkward ones. */
function channels(r: Random, max = 100): number {
  const pick = r.next();
  if (pick < 0.3) return r.int(1, 7);
  return r.int(1, max);
}

for (const variant of variants) {
  describe(`kernels (${variant})`, () => {
    const { ex, arena, put, out } = kernelHarness(variant);

    it("pointwise_4x8 matches pointwiseRef", () => {
      const r = new Random(11);
      for (let k = 0; k < 60; k++) {
        arena.reset();
        const P = r.int(1, 50) * (r.next() < 0.5 ? 1 : r.int(1, 9)), C = channels(r), F = channels(r);
        const x = r.fill(P * C), w = r.fill(C * F), b = r.next() < 0.8 ? r.fill(F) : null;
        const o = out(P * F);
        // epilogue variants: plain, + residual, + ReLU, + residual then ReLU
        const res = k % 2 ? r.fill(P * F) : null, relu = (k >> 1) % 2;
        ex.pointwise_4x8(put(x), P, C, put(packPointwise(w, C, F)), put(packBias(b, F)), o, F, res ? put(res) : 0, relu);
        let want = ref.pointwiseRef(x, P, C, w, b, F);
        if (res) want = ref.addRef(want, res);
        if (relu) want = ref.reluRef(want);
        expectClose(arena.readF32(o, P * F), want, dotTol(C), `pointwise P=${P} C=${C} F=${F} res=${!!res} relu=${relu}`);
        // and nothing written past the end
        expect(Number.isNaN(arena.f32[(o >> 2) + P * F])).toBe(true);
      }
    });

    it("pointwise_4x8 and separable3x3 with the residual in the output buffer (F a multiple of 8, as the compiler aliases them)", () => {
      const r = new Random(19);
      for (let k = 0; k < 30; k++) {
        arena.reset();
        const H = r.int(1, 20), W = r.int(1, 20), C = channels(r, 40), F = 8 * r.int(1, 6), relu = k % 2, pad = (k >> 1) % 2;
        // pointwise over P = H·W pixels (any P, so the single-pixel tail runs too)
        const P = H * W, x = r.fill(P * C), w = r.fill(C * F), b = r.fill(F), res = r.fill(P * F);
        const o = put(res);
        ex.pointwise_4x8(put(x), P, C, put(packPointwise(w, C, F)), put(packBias(b, F)), o, F, o, relu);
        let want = ref.addRef(ref.pointwiseRef(x, P, C, w, b, F), res);
        if (relu) want = ref.reluRef(want);
        expectClose(arena.readF32(o, P * F), want, dotTol(C), `pointwise in place P=${P} C=${C} F=${F}`);
        // separable, chunked
        const Ho = ref.conv3x3OutSize(H, pad), Wo = ref.conv3x3OutSize(W, pad);
        if (Ho <= 0 || Wo <= 0) continue;
        const img = r.fill(H * W * C), dw = r.fill(9 * C), res2 = r.fill(Ho * Wo * F), rows = r.int(1, Ho);
        const o2 = put(res2);
        ex.separable3x3(put(img), H, W, C, put(dw), put(packPointwise(w, C, F)), put(packBias(b, F)), o2, F, pad, o2, relu, out(rows * Wo * C), rows);
        let want2 = ref.addRef(ref.pointwiseRef(ref.depthwiseRef(img, H, W, C, dw, null, pad), Ho * Wo, C, w, b, F), res2);
        if (relu) want2 = ref.reluRef(want2);
        expectClose(arena.readF32(o2, Ho * Wo * F), want2, dotTol(9 + C), `separable in place ${H}x${W}x${C}→${F} pad=${pad} rows=${rows}`);
      }
    });

    it("multiplyAddCeiling (the benchmarks' machine ceiling) runs its 12 chains of a ← 0.999·a + 0.001 from a = j + 1", () => {
      arena.reset();
      const o = out(48);
      for (const n of [0, 1, 7, 1000]) {
        ex.multiplyAddCeiling(n, o);
        const want = new Float32Array(48);
        for (let j = 0; j < 12; j++) {
          let a = j + 1;
          for (let i = 0; i < n; i++) a = Math.fround(Math.fround(Math.fround(0.999) * a) + Math.fround(0.001));
          want.fill(a, 4 * j, 4 * j + 4);
        }
        // the plain build rounds as this reference does; the fused one once a step instead of twice
        expectClose(arena.readF32(o, 48), want, variant === "nnSimd" ? 0 : 1e-4, `ceiling n=${n}`);
      }
    });

    it("multiplyAddLoadCeiling (the ceiling with the pointwise's loads) sums w0, w1 times inputs 1, 2, 3, 5 of every record", () => {
      const r = new Random(31);
      for (const [steps, rounds] of [[0, 3], [1, 1], [5, 0], [5, 3], [256, 2]]) {
        arena.reset();
        const buf = r.fill(steps * 8 + 8), pb = put(buf), o = out(32);
        ex.multiplyAddLoadCeiling(pb, steps, rounds, o);
        const want = new Float64Array(32);
        for (let k = 0; k < steps * rounds; k++) {
          const rec = buf.subarray(8 * (k % steps), 8 * (k % steps) + 8);
          [1, 2, 3, 5].forEach((j, q) => {
            for (let l = 0; l < 8; l++) want[8 * q + l] += rec[j] * rec[l];
          });
        }
        // each output is an f32 sum of steps·rounds products, checked against the exact (f64) sum: dotTol's
        // K·2⁻²⁴ drift, 5.2e-5 at K = 512 where 1.2e-6 is seen; one product missing or doubled is off by ~0.3
        expectClose(arena.readF32(o, 32), want, dotTol(steps * rounds), `load ceiling steps=${steps} rounds=${rounds}`);
      }
    });

    it("depthwise3x3 (and depthwise3x3_relu) matches depthwiseRef, valid and same", () => {
      const r = new Random(12);
      for (let k = 0; k < 80; k++) {
        arena.reset();
        const H = r.int(1, 50), W = r.int(1, 50), C = channels(r), pad = k % 2;
        const Ho = ref.conv3x3OutSize(H, pad), Wo = ref.conv3x3OutSize(W, pad);
        if (Ho <= 0 || Wo <= 0) continue;
        const x = r.fill(H * W * C), w = r.fill(9 * C), b = r.next() < 0.5 ? r.fill(C) : null;
        const o = out(Ho * Wo * C);
        // every other case with the ReLU applied row by row (depthwise3x3_relu)
        const relu = (k >> 1) % 2 === 1;
        (relu ? ex.depthwise3x3_relu : ex.depthwise3x3)(put(x), H, W, C, put(w), b ? put(b) : 0, o, pad);
        let want = ref.depthwiseRef(x, H, W, C, w, b, pad);
        if (relu) want = ref.reluRef(want);
        expectClose(arena.readF32(o, Ho * Wo * C), want, TOL, `depthwise ${H}x${W}x${C} pad=${pad} relu=${relu}`);
        expect(Number.isNaN(arena.f32[(o >> 2) + Ho * Wo * C])).toBe(true);
      }
    });

    it("separable3x3 (depthwise rows then pointwise, chunked) matches depthwiseRef → pointwiseRef (+ residual, ReLU)", () => {
      const r = new Random(18);
      for (let k = 0; k < 40; k++) {
        arena.reset();
        const H = r.int(1, 40), W = r.int(1, 40), C = channels(r, 64), F = channels(r, 64), pad = k % 2;
        const Ho = ref.conv3x3OutSize(H, pad), Wo = ref.conv3x3OutSize(W, pad);
        if (Ho <= 0 || Wo <= 0) continue;
        const rows = r.int(1, Ho);
        const x = r.fill(H * W * C), dw = r.fill(9 * C), pw = r.fill(C * F), b = r.fill(F);
        const res = (k >> 1) % 2 ? r.fill(Ho * Wo * F) : null, relu = (k >> 2) % 2;
        const o = out(Ho * Wo * F);
        ex.separable3x3(put(x), H, W, C, put(dw), put(packPointwise(pw, C, F)), put(packBias(b, F)), o, F, pad,
          res ? put(res) : 0, relu, out(rows * Wo * C), rows);
        let want = ref.pointwiseRef(ref.depthwiseRef(x, H, W, C, dw, null, pad), Ho * Wo, C, pw, b, F);
        if (res) want = ref.addRef(want, res);
        if (relu) want = ref.reluRef(want);
        expectClose(arena.readF32(o, Ho * Wo * F), want, dotTol(9 + C), `separable ${H}x${W}x${C}→${F} pad=${pad} rows=${rows}`);
        expect(Number.isNaN(arena.f32[(o >> 2) + Ho * Wo * F])).toBe(true);
      }
    });

    it("conv3x3_4x8 (after zeroPad for same) matches conv3x3Ref, valid and same", () => {
      const r = new Random(13);
      for (let k = 0; k < 40; k++) {
        arena.reset();
        const H = r.int(1, 30), W = r.int(1, 30), C = channels(r, 40), F = channels(r, 40), pad = k % 2;
        const Ho = ref.conv3x3OutSize(H, pad), Wo = ref.conv3x3OutSize(W, pad);
        if (Ho <= 0 || Wo <= 0) continue;
        const x = r.fill(H * W * C), w = r.fill(9 * C * F), b = r.fill(F);
        let xp = put(x);
        if (pad) {
          const padded = out((H + 2) * (W + 2) * C);
          ex.zeroPad(xp, H, W, C, 1, 1, 1, 1, padded);
          xp = padded;
        }
        const o = out(Ho * Wo * F);
        ex.conv3x3_4x8(xp, H + 2 * pad, W + 2 * pad, C, put(packConv3x3(w, C, F)), put(packBias(b, F)), o, F);
        expectClose(arena.readF32(o, Ho * Wo * F), ref.conv3x3Ref(x, H, W, C, w, b, F, pad), dotTol(9 * C), `conv3x3 ${H}x${W}x${C}→${F} pad=${pad}`);
      }
    });

    it("zeroPad matches zeroPadRef", () => {
      const r = new Random(14);
      for (let k = 0; k < 40; k++) {
        arena.reset();
        const H = r.int(1, 50), W = r.int(1, 50), C = channels(r);
        const [t, b, l, rr] = [r.int(0, 3), r.int(0, 3), r.int(0, 3), r.int(0, 3)];
        const x = r.fill(H * W * C);
        const n = (H + t + b) * (W + l + rr) * C;
        const o = out(n);
        ex.zeroPad(put(x), H, W, C, t, b, l, rr, o);
        expect(Array.from(arena.readF32(o, n))).toEqual(Array.from(ref.zeroPadRef(x, H, W, C, t, b, l, rr)));
      }
    });

    it("pool2d matches poolRef: avg and max, valid and same, assorted windows", () => {
      const r = new Random(15);
      for (let k = 0; k < 80; k++) {
        arena.reset();
        const H = r.int(1, 50), W = r.int(1, 50), C = channels(r);
        const kh = r.int(1, 3), kw = r.int(1, 3), sh = r.int(1, 3), sw = r.int(1, 3);
        const padding = k % 2 ? "same" : "valid";
        const mode = (k >> 1) % 2 ? "max" : "avg";
        const gy = ref.poolGeometry(H, kh, sh, padding), gx = ref.poolGeometry(W, kw, sw, padding);
        if (gy.out <= 0 || gx.out <= 0) continue;
        const x = r.fill(H * W * C);
        const n = gy.out * gx.out * C;
        const o = out(n);
        ex.pool2d(put(x), H, W, C, kh, kw, sh, sw, gy.padBefore, gx.padBefore, gy.out, gx.out, o, mode === "max" ? 1 : 0);
        expectClose(arena.readF32(o, n), ref.poolRef(x, H, W, C, kh, kw, sh, sw, padding, mode), TOL, `pool ${mode} ${padding} ${H}x${W}x${C} k${kh}x${kw} s${sh}x${sw}`);
      }
    });

    it("pool2d mode 2 (average over a zero-padded image, pad never built) matches zeroPadRef → poolRef valid", () => {
      const r = new Random(19);
      for (let k = 0; k < 40; k++) {
        arena.reset();
        const H = r.int(1, 30), W = r.int(1, 30), C = channels(r);
        const [t, b, l, rr] = [r.int(0, 2), r.int(0, 2), r.int(0, 2), r.int(0, 2)];
        const kh = r.int(1, 3), kw = r.int(1, 3), sh = r.int(1, 3), sw = r.int(1, 3);
        const gy = ref.poolGeometry(H + t + b, kh, sh, "valid"), gx = ref.poolGeometry(W + l + rr, kw, sw, "valid");
        if (gy.out <= 0 || gx.out <= 0) continue;
        const x = r.fill(H * W * C);
        const n = gy.out * gx.out * C;
        const o = out(n);
        ex.pool2d(put(x), H, W, C, kh, kw, sh, sw, t, l, gy.out, gx.out, o, 2);
        const want = ref.poolRef(ref.zeroPadRef(x, H, W, C, t, b, l, rr), H + t + b, W + l + rr, C, kh, kw, sh, sw, "valid", "avg");
        expectClose(arena.readF32(o, n), want, TOL, `padded avg pool ${H}x${W}x${C} pad ${t},${b},${l},${rr} k${kh}x${kw} s${sh}x${sw}`);
      }
    });

    it("globalPool matches globalPoolRef, avg and max", () => {
      const r = new Random(16);
      for (let k = 0; k < 40; k++) {
        arena.reset();
        const P = r.int(1, 2500), C = channels(r), mode = k % 2 ? "max" : "avg";
        const x = r.fill(P * C);
        const o = out(C);
        ex.globalPool(put(x), P, C, o, mode === "max" ? 1 : 0);
        expectClose(arena.readF32(o, C), ref.globalPoolRef(x, P, C, mode), 1e-5, `globalPool ${mode} P=${P} C=${C}`);
      }
    });

    it("relu, add (with and without relu), affine batch norm, softmax match their references", () => {
      const r = new Random(17);
      for (let k = 0; k < 40; k++) {
        arena.reset();
        const P = r.int(1, 300), C = channels(r), n = P * C;
        const a = r.fill(n), b = r.fill(n);
        let o = out(n);
        ex.relu(put(a), n, o);
        expect(Array.from(arena.readF32(o, n))).toEqual(Array.from(ref.reluRef(a)));
        o = out(n);
        ex.add(put(a), put(b), n, o, 0);
        expectClose(arena.readF32(o, n), ref.addRef(a, b), 0, "add");
        o = out(n);
        ex.add(put(a), put(b), n, o, 1);
        expectClose(arena.readF32(o, n), ref.reluRef(ref.addRef(a, b)), 0, "add+relu");
        const gamma = r.fill(C), beta = r.fill(C), mean = r.fill(C), variance = r.fill(C, 0.01, 2), eps = 1e-3;
        const scale = gamma.map((g, c) => g / Math.sqrt(variance[c] + eps));
        const shift = beta.map((bb, c) => bb - mean[c] * scale[c]);
        o = out(n);
        ex.affine(put(a), P, C, put(scale), put(shift), o);
        expectClose(arena.readF32(o, n), ref.batchNormRef(a, C, gamma, beta, mean, variance, eps), 1e-5, `batchnorm P=${P} C=${C}`);
        const logits = r.fill(n, -30, 30);
        o = out(n);
        ex.softmax(put(logits), P, C, o);
        expectClose(arena.readF32(o, n), ref.softmaxRef(logits, C), 1e-6, `softmax R=${P} N=${C}`);
      }
    });
  });
}

describe("scalar kernels (the benchmarks' no-SIMD baseline)", () => {
  const { ex, arena, put, out } = kernelHarness("nnScalar");
  it("pointwise_scalar and depthwise_scalar match their references", () => {
    const r = new Random(21);
    for (let k = 0; k < 30; k++) {
      arena.reset();
      const H = r.int(1, 30), W = r.int(1, 30), C = channels(r, 40), F = channels(r, 40), pad = k % 2;
      const P = H * W;
      const x = r.fill(P * C), w = r.fill(C * F), b = r.fill(F);
      const o = out(P * F);
      ex.pointwise_scalar(put(x), P, C, put(packPointwise(w, C, F)), put(packBias(b, F)), o, F);
      expectClose(arena.readF32(o, P * F), ref.pointwiseRef(x, P, C, w, b, F), dotTol(C), `pointwise_scalar P=${P} C=${C} F=${F}`);
      const Ho = ref.conv3x3OutSize(H, pad), Wo = ref.conv3x3OutSize(W, pad);
      if (Ho <= 0 || Wo <= 0) continue;
      const dw = r.fill(9 * C);
      const od = out(Ho * Wo * C);
      ex.depthwise_scalar(put(x), H, W, C, put(dw), od, pad);
      expectClose(arena.readF32(od, Ho * Wo * C), ref.depthwiseRef(x, H, W, C, dw, null, pad), TOL, `depthwise_scalar ${H}x${W}x${C}`);
    }
  });
});
