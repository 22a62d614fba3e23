// The general convolution kernels (assembly/nn/conv.ts, dwconv.ts) against their plain references
// (src/reference/conv.ts) over random shapes: odd sizes, awkward channel counts (C = 1 and 3 included), kernels
// 1–7 and a few large ones, strides 1–4, dilations 1–3, valid, same and arbitrary asymmetric padding, and the
// three clamps; in both WASM builds.
import { describe, it, expect } from "vitest";
import { relaxedSimdSupported, type ModuleName } from "../src/engine/wasm.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";
import { packBias, packConv, packConv3x3 } from "../src/engine/pack.js";
import { convGeometry, convRef, depthwiseConvRef } from "../src/reference/conv.js";
import { conv3x3Ref, depthwiseRef } from "../src/reference/kernels.js";
import { Random } from "../src/util/random.js";
import { expectClose, kernelHarness } from "./helpers.js";

await enableRelaxedSimd();
const variants: ModuleName[] = relaxedSimdSupported() ? ["nnSimd", "nnRelaxed"] : ["nnSimd"];
// float32 sums of K products drift from the float64 reference by about K·2⁻²⁴ at worst; a real bug is off by O(1)
const dotTol = (K: number) => 1e-6 + 1e-7 * K;
const CLAMPS: (readonly [number, number] | null)[] = [null, [0, Infinity], [0, 6]];


/** Channel count in 1..max, biased towards ones that are not multiples of 4 or 8 (1 and 3 often). */
function channels(r: Random, max = 70): number {
  const pick = r.next();
  if (pick < 0.15) return r.next() < 0.5 ? 1 : 3;
  if (pick < 0.4) return r.int(1, 7);
  let c = r.int(1, max);
  if (c % 4 === 0 && r.next() < 0.7) c = Math.max(1, c - 1);
  return c;
}

/** An odd size in 1..max most of the time. */
function size(r: Random, max = 40): number {
  const n = r.int(1, max);
  return r.next() < 0.7 ? n | 1 : n;
}

type Case = { H: number; W: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  padT: number; padL: number; Ho: number; Wo: number; how: string };

/** A random geometry: valid, same (convGeometry), or arbitrary pads (bottom/right implied by Ho, Wo); null if empty. */
function geometry(r: Random, k: number, big: number): Case | null {
  const H = size(r), W = size(r);
  let kh = r.int(1, 7), kw = r.next() < 0.6 ? kh : r.int(1, 7);
  if (big) kh = kw = big;
  const sh = r.int(1, 4), sw = r.next() < 0.7 ? sh : r.int(1, 4);
  const dh = big ? 1 : r.next() < 0.6 ? 1 : r.int(1, 3), dw = big ? 1 : r.next() < 0.7 ? dh : r.int(1, 3);
  const mode = k % 3;
  let padT, padL, Ho, Wo, how;
  if (mode < 2) {
    const padding = mode ? "same" : "valid";
    const gy = convGeometry(H, kh, sh, dh, padding), gx = convGeometry(W, kw, sw, dw, padding);
    [padT, padL, Ho, Wo, how] = [gy.padBefore, gx.padBefore, gy.out, gx.out, padding];
  } else {
    // any pads, sometimes more than the kernel (rows and columns with no tap inside)
    const ey = (kh - 1) * dh + 1, ex = (kw - 1) * dw + 1;
    const [t, bb, l, rr] = [r.int(0, ey + 1), r.int(0, ey + 1), r.int(0, ex + 1), r.int(0, ex + 1)];
    [padT, padL] = [t, l];
    Ho = Math.floor((H + t + bb - ey) / sh) + 1;
    Wo = Math.floor((W + l + rr - ex) / sw) + 1;
    how = `pads ${t},${bb},${l},${rr}`;
  }
  if (Ho <= 0 || Wo <= 0) return null;
  return { H, W, kh, kw, sh, sw, dh, dw, padT, padL, Ho, Wo, how };
}

const describeCase = (g: Case) => `${g.H}x${g.W} k${g.kh}x${g.kw} s${g.sh}x${g.sw} d${g.dh}x${g.dw} ${g.how} (padT ${g.padT}, padL ${g.padL}) → ${g.Ho}x${g.Wo}`;

describe("convGeometry (TensorFlow's rule)", () => {
  it("matches hand-computed values", () => {
    const g = (n: number, k: number, s: number, d: number, p: "valid" | "same") => convGeometry(n, k, s, d, p);
    expect(g(7, 3, 2, 1, "same")).toEqual({ out: 4, padBefore: 1, padAfter: 1 });
    expect(g(6, 3, 2, 1, "same")).toEqual({ out: 3, padBefore: 0, padAfter: 1 });
    expect(g(5, 4, 1, 1, "same")).toEqual({ out: 5, padBefore: 1, padAfter: 2 });
    expect(g(48, 3, 1, 1, "same")).toEqual({ out: 48, padBefore: 1, padAfter: 1 });
    expect(g(10, 3, 1, 2, "same")).toEqual({ out: 10, padBefore: 2, padAfter: 2 }); // effective kernel 5
    expect(g(5, 1, 3, 1, "same")).toEqual({ out: 2, padBefore: 0, padAfter: 0 }); // total would be −1
    expect(g(24, 3, 2, 1, "same")).toEqual({ out: 12, padBefore: 0, padAfter: 1 });
    expect(g(7, 3, 2, 1, "valid")).toEqual({ out: 3, padBefore: 0, padAfter: 0 });
    expect(g(10, 3, 1, 2, "valid")).toEqual({ out: 6, padBefore: 0, padAfter: 0 });
    expect(g(48, 3, 1, 1, "valid")).toEqual({ out: 46, padBefore: 0, padAfter: 0 });
    expect(g(5, 1, 3, 1, "valid")).toEqual({ out: 2, padBefore: 0, padAfter: 0 });
    expect(g(2, 3, 1, 1, "valid").out).toBe(0);
    expect(g(1, 5, 2, 1, "valid").out).toBeLessThanOrEqual(0);
  });

  it("convRef and depthwiseConvRef agree with the 3×3 references; packConv of a 3×3 kernel is packConv3x3", () => {
    const r = new Random(40);
    for (const pad of [0, 1]) {
      const H = 9, W = 7, C = 5, F = 11, Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
      const x = r.fill(H * W * C), w = r.fill(9 * C * F), b = r.fill(F), dw = r.fill(9 * C), db = r.fill(C);
      expectClose(convRef(x, H, W, C, w, b, F, Ho, Wo, 3, 3, 1, 1, 1, 1, pad, pad), conv3x3Ref(x, H, W, C, w, b, F, pad), 1e-6, "convRef");
      expectClose(depthwiseConvRef(x, H, W, C, dw, db, Ho, Wo, 3, 3, 1, 1, 1, 1, pad, pad), depthwiseRef(x, H, W, C, dw, db, pad), 1e-6, "depthwiseConvRef");
      expect(Array.from(packConv(w, 3, 3, C, F))).toEqual(Array.from(packConv3x3(w, C, F)));
    }
  });
});

for (const variant of variants) {
  describe(`general convolution kernels (${variant})`, () => {
    const { ex, arena, put, out } = kernelHarness(variant);

    const runConv = (r: Random, k: number, big: number, g: Case) => {
      arena.reset();
      let C = channels(r), F = channels(r);
      // keep the reference's work bounded (large kernels, big layers)
      while (g.Ho * g.Wo * F * g.kh * g.kw * C > 4e6 && (C > 1 || F > 1)) {
        if (C >= F) C = Math.max(1, C >> 1);
        else F = Math.max(1, F >> 1);
      }
      const { H, W, kh, kw, sh, sw, dh, dw, padT, padL, Ho, Wo } = g;
      const x = r.fill(H * W * C), w = r.fill(kh * kw * C * F), b = r.next() < 0.8 ? r.fill(F) : null;
      const cl = CLAMPS[k % 3];
      const n = Ho * Wo * F, o = out(n);
      ex.conv2d_4x8(put(x), H, W, C, put(packConv(w, kh, kw, C, F)), put(packBias(b, F)), o, Ho, Wo, F,
        kh, kw, sh, sw, dh, dw, padT, padL, cl ? put(Float32Array.from(cl)) : 0);
      let want = convRef(x, H, W, C, w, b, F, Ho, Wo, kh, kw, sh, sw, dh, dw, padT, padL);
      if (cl) want = want.map((v) => Math.min(Math.max(v, cl[0]), cl[1]));
      const what = `conv ${describeCase(g)} C=${C} F=${F} clamp=${cl}${big ? " big" : ""}`;
      expectClose(arena.readF32(o, n), want, dotTol(kh * kw * C), what);
      for (let i = 0; i < 4; i++) expect(Number.isNaN(arena.f32[(o >> 2) + n + i]), `${what}: wrote past the end`).toBe(true);
    };

    const runDepthwise = (r: Random, k: number, big: number, g: Case) => {
      arena.reset();
      let C = channels(r);
      while (g.Ho * g.Wo * g.kh * g.kw * C > 4e6 && C > 1) C = Math.max(1, C >> 1);
      const { H, W, kh, kw, sh, sw, dh, dw, padT, padL, Ho, Wo } = g;
      const x = r.fill(H * W * C), w = r.fill(kh * kw * C), b = r.fill(C);
      const cl = CLAMPS[k % 3];
      const n = Ho * Wo * C, o = out(n);
      ex.depthwise_conv(put(x), H, W, C, put(w), put(b), o, Ho, Wo, kh, kw, sh, sw, dh, dw, padT, padL, cl ? put(Float32Array.from(cl)) : 0);
      let want = depthwiseConvRef(x, H, W, C, w, b, Ho, Wo, kh, kw, sh, sw, dh, dw, padT, padL);
      if (cl) want = want.map((v) => Math.min(Math.max(v, cl[0]), cl[1]));
      const what = `depthwise ${describeCase(g)} C=${C} clamp=${cl}${big ? " big" : ""}`;
      expectClose(arena.readF32(o, n), want, dotTol(kh * kw), what);
      for (let i = 0; i < 4; i++) expect(Number.isNaN(arena.f32[(o >> 2) + n + i]), `${what}: wrote past the end`).toBe(true);
    };

    it("conv2d_4x8 matches convRef: kernels 1–7, strides 1–4, dilations 1–3, valid / same / asymmetric pads, clamps", () => {
      const r = new Random(41);
      let done = 0;
      for (let k = 0; done < 90; k++) {
        const g = geometry(r, k, 0);
        if (g) { runConv(r, k, 0, g); done++; }
      }
    });

    it("conv2d_4x8 matches convRef with large kernels (9–15, and 21×21)", () => {
      const r = new Random(42);
      let done = 0;
      for (let k = 0; done < 12; k++) {
        const g = geometry(r, k, done === 0 ? 21 : r.int(9, 15));
        if (g) { runConv(r, k, g.kh, g); done++; }
      }
    });

    it("depthwise_conv matches depthwiseConvRef: kernels 1–7, strides 1–4, dilations 1–3, valid / same / asymmetric pads, clamps", () => {
      const r = new Random(43);
      let done = 0;
      for (let k = 0; done < 90; k++) {
        const g = geometry(r, k, 0);
        if (g) { runDepthwise(r, k, 0, g); done++; }
      }
    });

    it("depthwise_conv matches depthwiseConvRef with large kernels (9–15, and 21×21)", () => {
      const r = new Random(44);
      let done = 0;
      for (let k = 0; done < 12; k++) {
        const g = geometry(r, k, done === 0 ? 21 : r.int(9, 15));
        if (g) { runDepthwise(r, k, g.kh, g); done++; }
      }
    });

    it("first-layer shapes (C = 1 and 3) and wide rows, where the 4-pixel tiles dominate", () => {
      const r = new Random(45);
      for (let k = 0; k < 24; k++) {
        const C = k % 2 ? 1 : 3, F = [8, 16, 5, 32, 13, 1][k % 6];
        const H = r.int(20, 48), W = r.int(20, 48), kk = [1, 3, 5, 7][k % 4], s = r.int(1, 2), padding = (k >> 2) % 2 ? "same" : "valid";
        const gy = convGeometry(H, kk, s, 1, padding), gx = convGeometry(W, kk, s, 1, padding);
        arena.reset();
        const x = r.fill(H * W * C), w = r.fill(kk * kk * C * F), b = r.fill(F), n = gy.out * gx.out * F, o = out(n);
        ex.conv2d_4x8(put(x), H, W, C, put(packConv(w, kk, kk, C, F)), put(packBias(b, F)), o, gy.out, gx.out, F,
          kk, kk, s, s, 1, 1, gy.padBefore, gx.padBefore, 0);
        const what = `conv ${H}x${W}x${C}→${F} k${kk} s${s} ${padding}`;
        expectClose(arena.readF32(o, n), convRef(x, H, W, C, w, b, F, gy.out, gx.out, kk, kk, s, s, 1, 1, gy.padBefore, gx.padBefore), dotTol(kk * kk * C), what);
        expect(Number.isNaN(arena.f32[(o >> 2) + n])).toBe(true);
      }
    });
  });
}
