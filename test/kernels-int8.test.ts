// The integer kernels (assembly/nn/qpointwise.ts, qdepthwise.ts, qelementwise.ts) byte for byte against
// their plain TypeScript references (src/reference/quantized.ts) over random shapes: odd sizes, channel
// counts that are not multiples of 4 or 8 (1 and 3 often), both paddings and strides 1 and 2, zero points
// from 0 to qmax, 7-bit and 8-bit tensors, scales that push most outputs to saturation at 0 and qmax; in
// both WASM builds. Every input is followed in memory by random garbage bytes (the kernels read past a
// row into zero weights) and every output by a sentinel that must survive. Then the arithmetic itself:
// dequantized, the integer layers are close to the f32 ones.
import { describe, it, expect } from "vitest";
import { relaxedSimdSupported, type ModuleName } from "../src/engine/wasm.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";
import { packDepthwiseI16, packPointwiseI16, packPointwiseI8, packRequant } from "../src/quant/pack.js";
import {
  QMAX7, QMAX8, QMAX12, activationBits, activationParams, depthwiseRequant, dequantizeTensor, pointwiseRequant, quantizeTensor, quantizeWeights,
  rescale, roundHalfEven, type QuantParams,
} from "../src/quant/params.js";
import * as qref from "../src/reference/quantized.js";
import { depthwiseRef, pointwiseRef } from "../src/reference/kernels.js";
import { Random } from "../src/util/random.js";
import { kernelHarness } from "./helpers.js";

await enableRelaxedSimd();
const variants: ModuleName[] = relaxedSimdSupported() ? ["nnSimd", "nnRelaxed"] : ["nnSimd"];
const SENTINEL = 0xa5;
const SLACK = 16;

/** Channel count in 1..max, biased towards ones that are not multiples of 4 or 8 (1 and 3 often). */
function channels(r: Random, max = 100): number {
  const pick = r.next();
  if (pick < 0.15) return r.next() < 0.5 ? 1 : 3;
  if (pick < 0.4) return r.int(1, 9);
  let c = r.int(1, max);
  if (c % 4 === 0 && r.next() < 0.7) c = Math.max(1, c - 1);
  return c;
}

/** An odd size in 1..max most of the time. */
function size(r: Random, max = 24): number {
  const n = r.int(1, max);
  return r.next() < 0.7 ? n | 1 : n;
}

function bytes(r: Random, n: number, lo: number, hi: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = r.int(lo, hi);
  return a;
}

function weights(r: Random, n: number): Int8Array {
  const a = new Int8Array(n);
  const extreme = r.next() < 0.2; // all ±127: the largest sums
  for (let i = 0; i < n; i++) a[i] = extreme ? (r.next() < 0.5 ? -127 : 127) : r.int(-127, 127);
  return a;
}

/** A random tensor parameter set: 7- or 8-bit, zero point anywhere in 0..qmax (0 after a ReLU). */
function params(r: Random, qmax: number): QuantParams {
  const pick = r.next();
  const zero = pick < 0.25 ? 0 : pick < 0.35 ? qmax : r.int(0, qmax);
  return { scale: Math.fround(Math.exp(r.uniform(-6, 1))), zero, qmax };
}

/** Output parameters: usually a scale near the natural one, sometimes far too small (most outputs saturate at 0 and qmax) or too large. */
function outParams(r: Random, natural: number, qmax: number): QuantParams {
  const p = params(r, qmax), pick = r.next();
  p.scale = Math.fround(natural * (pick < 0.2 ? 1e-3 : pick < 0.3 ? 1e3 : Math.exp(r.uniform(-1, 1))));
  return p;
}

/** A random depthwise 3×3 case: odd sizes, strides 1 and 2, Keras's geometry (valid: no padding; same: ceil(n/s) outputs, the padding split with the extra row below/right); null when the image is too small. */
function depthwiseShape(r: Random) {
  const H = size(r), W = size(r), C = channels(r, 70), stride = r.next() < 0.7 ? 1 : 2;
  const same = r.next() < 0.6;
  const Ho = same ? Math.ceil(H / stride) : Math.floor((H - 3) / stride) + 1;
  const Wo = same ? Math.ceil(W / stride) : Math.floor((W - 3) / stride) + 1;
  if (Ho <= 0 || Wo <= 0) return null;
  const padT = same ? Math.max(0, (Ho - 1) * stride + 3 - H) >> 1 : 0;
  const padL = same ? Math.max(0, (Wo - 1) * stride + 3 - W) >> 1 : 0;
  return { H, W, C, stride, same, Ho, Wo, padT, padL };
}

for (const variant of variants) {
  describe(`int8 kernels (${variant})`, () => {
    const { ex, arena } = kernelHarness(variant);
    /** Bytes into memory, followed by SLACK random garbage bytes (read, never used). */
    const putU8 = (a: Uint8Array | Int8Array | Int16Array | Uint16Array | Float32Array, r: Random) => {
      const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const p = arena.alloc(b.length + SLACK);
      arena.u8.set(b, p);
      for (let k = 0; k < SLACK; k++) arena.u8[p + b.length + k] = r.int(0, 255);
      return p;
    };
    /** An output of n bytes, poisoned with the sentinel 16 bytes further. */
    const outU8 = (n: number) => {
      const p = arena.alloc(n + SLACK);
      arena.u8.fill(SENTINEL, p, p + n + SLACK);
      return p;
    };
    const readU8 = (p: number, n: number) => arena.u8.slice(p, p + n);
    const readU16 = (p: number, n: number) => new Uint16Array(arena.u8.slice(p, p + 2 * n).buffer);
    const untouched = (p: number, n: number, what: string) => {
      expect(Array.from(arena.u8.slice(p + n, p + n + SLACK)), `${what}: written past the end`).toEqual(new Array(SLACK).fill(SENTINEL));
    };

    for (const kernel of ["pointwise_i8", "pointwise_i16"] as const) {
      it(`${kernel} equals pointwiseQRef / pointwiseQF32Ref byte for byte`, () => {
        const r = new Random(kernel === "pointwise_i8" ? 101 : 102);
        let saturated = 0, total = 0;
        for (let k = 0; k < 150; k++) {
          arena.reset();
          const P = r.int(1, 40) * (r.next() < 0.5 ? 1 : r.int(1, 6)), C = channels(r), F = channels(r);
          // the relaxed dot's activations are 7-bit; the i16 path takes 8-bit ones too
          const inp = params(r, kernel === "pointwise_i8" || r.next() < 0.5 ? QMAX7 : QMAX8);
          const x = bytes(r, P * C, 0, inp.qmax), wq = weights(r, C * F);
          const sw = Float32Array.from({ length: F }, () => Math.exp(r.uniform(-8, -2)));
          const bias = r.next() < 0.7 ? r.fill(F, -2, 2) : null;
          const f32 = k % 5 === 4;
          const natural = inp.scale * sw[0] * Math.sqrt(C) * 127 * 40 / 255;
          const out = outParams(r, natural, r.next() < 0.5 ? QMAX7 : QMAX8);
          const qmin = r.next() < 0.3 ? out.zero : 0; // a fused ReLU clamps at the zero point
          const rq = pointwiseRequant(wq, C, F, sw, inp, bias, f32 ? null : out);
          const packed = kernel === "pointwise_i8" ? packPointwiseI8(wq, C, F) : packPointwiseI16(wq, C, F);
          const what = `${kernel} P=${P} C=${C} F=${F} zIn=${inp.zero}/${inp.qmax} ${f32 ? "f32" : `zOut=${out.zero}/${out.qmax} qmin=${qmin}`}`;
          const xp = putU8(x, r), wp = putU8(packed, r), qp = putU8(packRequant(rq, F), r);
          if (f32) {
            const o = outU8(4 * P * F);
            ex[kernel](xp, P, C, wp, qp, o, F, 0, 255, 1);
            expect(Array.from(arena.readF32(o, P * F)), what).toEqual(Array.from(qref.pointwiseQF32Ref(x, P, C, wq, F, rq)));
            untouched(o, 4 * P * F, what);
          } else {
            const o = outU8(P * F);
            ex[kernel](xp, P, C, wp, qp, o, F, qmin, out.qmax, 0);
            const want = qref.pointwiseQRef(x, P, C, wq, F, rq, qmin, out.qmax);
            expect(Array.from(readU8(o, P * F)), what).toEqual(Array.from(want));
            untouched(o, P * F, what);
            for (const v of want) { total++; if (v === qmin || v === out.qmax) saturated++; }
          }
        }
        // the cases did reach both ends of the range, and mostly not
        expect(saturated).toBeGreaterThan(total * 0.05);
        expect(saturated).toBeLessThan(total * 0.9);
      });
    }

    it("pointwise_i8 gives the same bytes before and after V8 tiers it up (Liftoff, then TurboFan)", () => {
      // Node 20's Liftoff got i32x4.relaxed_dot_i8x16_i7x16_add_s wrong while TurboFan got it right
      // (see dot4 in assembly/nn/qsimd.ts): a kernel's bytes must not depend on the tier that runs it.
      const r = new Random(109);
      arena.reset();
      const P = 64, C = 61, F = 43, inp = params(r, QMAX7);
      const x = bytes(r, P * C, 0, QMAX7), wq = weights(r, C * F);
      const sw = Float32Array.from({ length: F }, () => Math.exp(r.uniform(-8, -2)));
      const rq = pointwiseRequant(wq, C, F, sw, inp, null, null);
      const xp = putU8(x, r), wp = putU8(packPointwiseI8(wq, C, F), r), qp = putU8(packRequant(rq, F), r), o = outU8(4 * P * F);
      const want = Array.from(qref.pointwiseQF32Ref(x, P, C, wq, F, rq));
      ex.pointwise_i8(xp, P, C, wp, qp, o, F, 0, 255, 1);
      expect(Array.from(arena.readF32(o, P * F)), "first call").toEqual(want);
      for (let k = 0; k < 3000; k++) ex.pointwise_i8(xp, P, C, wp, qp, o, F, 0, 255, 1);
      expect(Array.from(arena.readF32(o, P * F)), "after 3000 calls").toEqual(want);
    });

    // 16-bit activations (12- and 15-bit ranges) with int8 or 12-bit weights: pointwise_a16 and depthwise3x3_a16.
    const wide = (r: Random) => (r.next() < 0.5 ? 4095 : 32767);
    const words = (r: Random, n: number, hi: number) => Uint16Array.from({ length: n }, () => r.int(0, hi));

    it("pointwise_a16 equals pointwiseQRef / pointwiseQF32Ref on 16-bit activations", () => {
      const r = new Random(111);
      let saturated = 0, total = 0;
      for (let k = 0; k < 150; k++) {
        arena.reset();
        const P = r.int(1, 40) * (r.next() < 0.5 ? 1 : r.int(1, 6)), C = channels(r), F = channels(r);
        const inp = params(r, wide(r));
        // 12-bit weights too, with 12-bit activations (C·qmax·2047 < 2^31), all ±2047 sometimes
        const w12 = inp.qmax === 4095 && r.next() < 0.5, extreme = r.next() < 0.2;
        const wq = w12 ? Int16Array.from({ length: C * F }, () => (extreme ? (r.next() < 0.5 ? -2047 : 2047) : r.int(-2047, 2047))) : weights(r, C * F);
        const x = words(r, P * C, inp.qmax);
        const sw = Float32Array.from({ length: F }, () => Math.exp(r.uniform(-8, -2)));
        const bias = r.next() < 0.7 ? r.fill(F, -2, 2) : null;
        const f32 = k % 5 === 4;
        const out = outParams(r, inp.scale * sw[0] * Math.sqrt(C) * (w12 ? 2047 : 127) * 40 / 255, wide(r));
        const qmin = r.next() < 0.3 ? out.zero : 0;
        const rq = pointwiseRequant(wq, C, F, sw, inp, bias, f32 ? null : out);
        const what = `pointwise_a16 P=${P} C=${C} F=${F} zIn=${inp.zero}/${inp.qmax} w12=${w12} ${f32 ? "f32" : `zOut=${out.zero}/${out.qmax} qmin=${qmin}`}`;
        const xp = putU8(x, r), wp = putU8(packPointwiseI16(wq, C, F), r), qp = putU8(packRequant(rq, F), r);
        if (f32) {
          const o = outU8(4 * P * F);
          ex.pointwise_a16(xp, P, C, wp, qp, o, F, 0, 0, 1);
          expect(Array.from(arena.readF32(o, P * F)), what).toEqual(Array.from(qref.pointwiseQF32Ref(x, P, C, wq, F, rq)));
          untouched(o, 4 * P * F, what);
        } else {
          const o = outU8(2 * P * F);
          ex.pointwise_a16(xp, P, C, wp, qp, o, F, qmin, out.qmax, 0);
          const want = qref.pointwiseQRef(x, P, C, wq, F, rq, qmin, out.qmax);
          expect(want).toBeInstanceOf(Uint16Array);
          expect(Array.from(readU16(o, P * F)), what).toEqual(Array.from(want));
          untouched(o, 2 * P * F, what);
          for (const v of want) { total++; if (v === qmin || v === out.qmax) saturated++; }
        }
      }
      expect(saturated).toBeGreaterThan(total * 0.05);
      expect(saturated).toBeLessThan(total * 0.9);
    });

    it("pointwise_a16_f32 equals pointwiseQF32FusedRef (the residual and ReLU of a mixed program)", () => {
      const r = new Random(113);
      let negatives = 0;
      for (let k = 0; k < 120; k++) {
        arena.reset();
        const P = r.int(1, 40) * (r.next() < 0.5 ? 1 : r.int(1, 6)), C = channels(r), F = channels(r);
        const inp = params(r, wide(r));
        const wq = weights(r, C * F), x = words(r, P * C, inp.qmax);
        const sw = Float32Array.from({ length: F }, () => Math.exp(r.uniform(-8, -2)));
        const bias = r.next() < 0.7 ? r.fill(F, -2, 2) : null;
        const rq = pointwiseRequant(wq, C, F, sw, inp, bias, null);
        const res = r.next() < 0.5 ? r.fill(P * F, -3, 3) : null, relu = r.next() < 0.5;
        const o = outU8(4 * P * F);
        ex.pointwise_a16_f32(putU8(x, r), P, C, putU8(packPointwiseI16(wq, C, F), r), putU8(packRequant(rq, F), r), o, F, res ? putU8(res, r) : 0, relu ? 1 : 0);
        const what = `pointwise_a16_f32 P=${P} C=${C} F=${F} res=${!!res} relu=${relu}`;
        const want = qref.pointwiseQF32FusedRef(x, P, C, wq, F, rq, res, relu);
        expect(Array.from(arena.readF32(o, P * F)), what).toEqual(Array.from(want));
        untouched(o, 4 * P * F, what);
        if (!relu) negatives += want.filter((v) => v < 0).length;
      }
      expect(negatives).toBeGreaterThan(0);
    });

    // The mixed program's separable layer: this module's own f32 depthwise rows (tested against depthwiseRef
    // in kernels.test.ts; the relaxed build may fuse its multiply-adds), quantized, then the integer pointwise.
    it("separable3x3_a16 equals its f32 depthwise, quantizeTensor, then pointwiseQF32FusedRef (pads 0 and 1, any band)", () => {
      const r = new Random(114);
      let cases = 0, clipped = 0;
      for (let k = 0; k < 80; k++) {
        arena.reset();
        const H = size(r, 20), W = size(r, 20), C = channels(r, 40), F = channels(r, 40), pad = r.next() < 0.7 ? 1 : 0;
        const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
        if (Ho <= 0 || Wo <= 0) continue;
        const rows = r.int(1, Ho);
        const x = r.fill(H * W * C, -1, 1), dw = r.fill(9 * C, -1, 1);
        const xp = putU8(x, r), dwp = putU8(dw, r);
        // the depthwise output's range, a little narrower than what it reaches sometimes: the clamp is exercised
        const d = arena.alloc(4 * Ho * Wo * C + 16);
        ex.depthwise3x3_rows(xp, H, W, C, dwp, 0, d, pad, 0, Ho);
        const dv = arena.readF32(d, Ho * Wo * C);
        let lo = Math.min(...dv), hi = Math.max(...dv);
        if (r.next() < 0.3) { lo *= 0.8; hi *= 0.8; }
        const pd = activationParams(lo, hi, 4095);
        const wq = weights(r, C * F), sw = Float32Array.from({ length: F }, () => Math.exp(r.uniform(-6, -3)));
        const rq = pointwiseRequant(wq, C, F, sw, pd, r.next() < 0.7 ? r.fill(F, -1, 1) : null, null);
        const res = r.next() < 0.5 ? r.fill(Ho * Wo * F, -1, 1) : null, relu = r.next() < 0.5;
        const o = outU8(4 * Ho * Wo * F);
        const wp = putU8(packPointwiseI16(wq, C, F), r), qp = putU8(packRequant(rq, F), r), rp = res ? putU8(res, r) : 0;
        // whole, or as two threads run it: rows 0..mid−1 and mid..Ho−1, each with a scratch of its own
        const mid = r.next() < 0.5 ? 0 : r.int(0, Ho);
        for (const [oy0, oy1] of mid ? [[0, mid], [mid, Ho]] : [[0, Ho]])
          ex.separable3x3_a16(xp, H, W, C, dwp, wp, qp, o, F, pad, rp, relu ? 1 : 0, arena.alloc(6 * rows * Wo * C + 16), rows, Math.fround(1 / pd.scale), pd.zero, pd.qmax, oy0, oy1);
        const dq = quantizeTensor(dv, pd);
        const what = `separable3x3_a16 ${H}x${W}x${C}→${F} pad ${pad} rows ${rows} split at ${mid} res=${!!res} relu=${relu}`;
        expect(Array.from(arena.readF32(o, Ho * Wo * F)), what).toEqual(Array.from(qref.pointwiseQF32FusedRef(dq, Ho * Wo, C, wq, F, rq, res, relu)));
        untouched(o, 4 * Ho * Wo * F, what);
        clipped += dq.filter((v) => v === 0 || v === 4095).length;
        cases++;
      }
      expect(cases).toBeGreaterThan(60);
      expect(clipped).toBeGreaterThan(0);
    });

    // depthwise3x3_i8 on 7- and 8-bit activations with int8 weights; depthwise3x3_a16 on 16-bit ones (12- and
    // 15-bit ranges) with int8 or 12-bit weights (all ±2047 sometimes: the largest sums).
    const depthwiseKernels = [
      { kernel: "depthwise3x3_i8", seed: 103, E: 1, qmax: (r: Random) => (r.next() < 0.5 ? QMAX7 : QMAX8), w12: () => false },
      { kernel: "depthwise3x3_a16", seed: 112, E: 2, qmax: wide, w12: (r: Random) => r.next() < 0.5 },
    ] as const;
    it.each(depthwiseKernels)("$kernel equals depthwiseQRef (valid and same, strides 1 and 2)", ({ kernel, seed, E, qmax, w12: draw12 }) => {
      const r = new Random(seed);
      let cases = 0;
      for (let k = 0; k < 160; k++) {
        arena.reset();
        const g = depthwiseShape(r);
        if (!g) continue;
        const { H, W, C, stride, same, Ho, Wo, padT, padL } = g;
        const inp = params(r, qmax(r));
        const w12 = draw12(r), extreme = w12 && r.next() < 0.2;
        const wq = w12 ? Int16Array.from({ length: 9 * C }, () => (extreme ? (r.next() < 0.5 ? -2047 : 2047) : r.int(-2047, 2047))) : weights(r, 9 * C);
        const x = E === 1 ? bytes(r, H * W * C, 0, inp.qmax) : words(r, H * W * C, inp.qmax);
        const sw = Float32Array.from({ length: C }, () => Math.exp(r.uniform(-8, -2)));
        const bias = r.next() < 0.5 ? r.fill(C, -2, 2) : null;
        const out = outParams(r, inp.scale * sw[0] * (w12 ? 2047 : 127) * 3 * 40 / 255, E === 1 ? qmax(r) : wide(r));
        const qmin = r.next() < 0.3 ? out.zero : 0;
        const rq = depthwiseRequant(C, sw, inp, bias, out);
        const o = outU8(E * Ho * Wo * C);
        ex[kernel](putU8(x, r), H, W, C, inp.zero, putU8(packDepthwiseI16(wq, C), r), putU8(packRequant(rq, C), r), o, Ho, Wo, stride, padT, padL, qmin, out.qmax);
        const what = `${kernel} ${H}x${W}x${C} ${same ? "same" : "valid"} stride ${stride} → ${Ho}x${Wo} pad ${padT},${padL} zIn=${inp.zero}/${inp.qmax} w12=${w12}`;
        const got = E === 1 ? readU8(o, Ho * Wo * C) : readU16(o, Ho * Wo * C);
        expect(Array.from(got), what).toEqual(Array.from(qref.depthwiseQRef(x, H, W, C, inp.zero, wq, rq, Ho, Wo, stride, padT, padL, qmin, out.qmax)));
        untouched(o, E * Ho * Wo * C, what);
        cases++;
      }
      expect(cases).toBeGreaterThan(100);
    });

    it("add_a16 equals addQRef on 16-bit activations, in place too", () => {
      const r = new Random(113);
      for (let k = 0; k < 120; k++) {
        arena.reset();
        const n = r.int(1, 400);
        const pa = params(r, wide(r)), pb = params(r, wide(r));
        const po = outParams(r, pa.scale + pb.scale, wide(r));
        const a = words(r, n, pa.qmax), b = words(r, n, pb.qmax);
        const ma = rescale(pa.scale, po.scale), mb = rescale(pb.scale, po.scale);
        const relu = r.next() < 0.5, qmin = relu ? po.zero : 0;
        const want = qref.addQRef(a, pa.zero, ma, b, pb.zero, mb, po.zero, qmin, po.qmax);
        expect(want).toBeInstanceOf(Uint16Array);
        const what = `add_a16 n=${n} za=${pa.zero} zb=${pb.zero} zo=${po.zero}/${po.qmax} relu=${relu}`;
        const ap = putU8(a, r), bp = putU8(b, r);
        const inPlace = k % 3 === 2, o = inPlace ? ap : outU8(2 * n);
        ex.add_a16(ap, pa.zero, ma, bp, pb.zero, mb, n, o, po.zero, qmin, po.qmax);
        expect(Array.from(readU16(o, n)), what).toEqual(Array.from(want));
        if (!inPlace) untouched(o, 2 * n, what);
      }
    });

    it("avgPool2x2_a16 equals avgPool2x2QRef on 16-bit activations", () => {
      const r = new Random(114);
      for (let k = 0; k < 120; k++) {
        arena.reset();
        const H = size(r, 30), W = size(r, 30), C = channels(r, 100);
        const padT = r.int(0, 1), padB = r.int(0, 1), padL = r.int(0, 1), padR = r.int(0, 1);
        const Ho = Math.floor((H + padT + padB - 2) / 2) + 1, Wo = Math.floor((W + padL + padR - 2) / 2) + 1;
        if (Ho <= 0 || Wo <= 0) continue;
        const inp = params(r, wide(r));
        const sOut = r.next() < 0.5 ? inp.scale : Math.fround(inp.scale * Math.exp(r.uniform(-3, 1)));
        const qmax = wide(r), zOut = r.next() < 0.5 ? Math.min(inp.zero, qmax) : r.int(0, qmax);
        const m = rescale(inp.scale, 4 * sOut);
        const x = words(r, H * W * C, inp.qmax);
        const o = outU8(2 * Ho * Wo * C);
        ex.avgPool2x2_a16(putU8(x, r), H, W, C, inp.zero, padT, padL, Ho, Wo, m, zOut, qmax, o);
        const what = `avgPool_a16 ${H}x${W}x${C} pad ${padT},${padB},${padL},${padR} → ${Ho}x${Wo} zIn=${inp.zero}/${inp.qmax}`;
        const want = qref.avgPool2x2QRef(x, H, W, C, inp.zero, padT, padL, Ho, Wo, m, zOut, qmax);
        expect(want).toBeInstanceOf(Uint16Array);
        expect(Array.from(readU16(o, Ho * Wo * C)), what).toEqual(Array.from(want));
        untouched(o, 2 * Ho * Wo * C, what);
      }
    });

    it("add_u8 (residual join, ReLU as qmin) equals addQRef byte for byte, in place too", () => {
      const r = new Random(104);
      for (let k = 0; k < 120; k++) {
        arena.reset();
        const n = r.int(1, 400);
        const pa = params(r, r.next() < 0.5 ? QMAX7 : QMAX8), pb = params(r, r.next() < 0.5 ? QMAX7 : QMAX8);
        const po = outParams(r, pa.scale + pb.scale, r.next() < 0.5 ? QMAX7 : QMAX8);
        const a = bytes(r, n, 0, pa.qmax), b = bytes(r, n, 0, pb.qmax);
        const ma = rescale(pa.scale, po.scale), mb = rescale(pb.scale, po.scale);
        const relu = r.next() < 0.5, qmin = relu ? po.zero : 0;
        const want = qref.addQRef(a, pa.zero, ma, b, pb.zero, mb, po.zero, qmin, po.qmax);
        const what = `add n=${n} za=${pa.zero} zb=${pb.zero} zo=${po.zero} relu=${relu}`;
        const ap = putU8(a, r), bp = putU8(b, r);
        const inPlace = k % 3 === 2, o = inPlace ? ap : outU8(n);
        ex.add_u8(ap, pa.zero, ma, bp, pb.zero, mb, n, o, po.zero, qmin, po.qmax);
        expect(Array.from(readU8(o, n)), what).toEqual(Array.from(want));
        if (!inPlace) untouched(o, n, what);
      }
    });

    it("avgPool2x2_u8 (ZeroPadding2D then AveragePooling2D 2×2/2) equals avgPool2x2QRef byte for byte", () => {
      const r = new Random(105);
      for (let k = 0; k < 120; k++) {
        arena.reset();
        const H = size(r, 30), W = size(r, 30), C = channels(r, 100);
        // ResEZAP pads 1 on every side; also no padding, and one side only
        const padT = r.int(0, 1), padB = r.int(0, 1), padL = r.int(0, 1), padR = r.int(0, 1);
        const Ho = Math.floor((H + padT + padB - 2) / 2) + 1, Wo = Math.floor((W + padL + padR - 2) / 2) + 1;
        if (Ho <= 0 || Wo <= 0) continue;
        const inp = params(r, r.next() < 0.5 ? QMAX7 : QMAX8);
        const sOut = r.next() < 0.5 ? inp.scale : Math.fround(inp.scale * Math.exp(r.uniform(-3, 1)));
        const zOut = r.next() < 0.5 ? inp.zero : r.int(0, inp.qmax), qmax = r.next() < 0.5 ? QMAX7 : QMAX8;
        const m = rescale(inp.scale, 4 * sOut);
        const x = bytes(r, H * W * C, 0, inp.qmax);
        const o = outU8(Ho * Wo * C);
        ex.avgPool2x2_u8(putU8(x, r), H, W, C, inp.zero, padT, padL, Ho, Wo, m, zOut, qmax, o);
        const what = `avgPool ${H}x${W}x${C} pad ${padT},${padB},${padL},${padR} → ${Ho}x${Wo}`;
        expect(Array.from(readU8(o, Ho * Wo * C)), what).toEqual(Array.from(qref.avgPool2x2QRef(x, H, W, C, inp.zero, padT, padL, Ho, Wo, m, zOut, qmax)));
        untouched(o, Ho * Wo * C, what);
      }
    });

    it("quantize_a16 and dequantize_a16 equal quantizeTensor and dequantizeTensor on 16-bit activations", () => {
      const r = new Random(115);
      for (let k = 0; k < 60; k++) {
        arena.reset();
        const n = r.int(1, 300), p = params(r, wide(r));
        const x = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const pick = r.next();
          x[i] = pick < 0.2 ? (r.int(-300, 300) + 0.5) * p.scale : pick < 0.23 ? [NaN, Infinity, -Infinity][r.int(0, 2)]
            : pick < 0.3 ? r.uniform(-1e6, 1e6) : r.uniform(-p.zero - 5, p.qmax - p.zero + 5) * p.scale;
        }
        const xp = arena.alloc(4 * n + SLACK);
        arena.writeF32(xp, x);
        const o = outU8(2 * n);
        ex.quantize_a16(xp, n, Math.fround(1 / p.scale), p.zero, p.qmax, o);
        const q = quantizeTensor(x, p);
        expect(q).toBeInstanceOf(Uint16Array);
        expect(Array.from(readU16(o, n)), `quantize_a16 n=${n} z=${p.zero}/${p.qmax}`).toEqual(Array.from(q));
        untouched(o, 2 * n, "quantize_a16");
        const d = outU8(4 * n);
        ex.dequantize_a16(putU8(q as Uint16Array, r), n, p.scale, p.zero, d);
        expect(Array.from(arena.readF32(d, n)), `dequantize_a16 n=${n}`).toEqual(Array.from(dequantizeTensor(q, p)));
        untouched(d, 4 * n, "dequantize_a16");
      }
    });

    it("quantize_u8 and dequantize_u8 equal quantizeTensor and dequantizeTensor (ties, NaN, ±Infinity, saturation)", () => {
      const r = new Random(106);
      for (let k = 0; k < 60; k++) {
        arena.reset();
        const n = r.int(1, 300), p = params(r, r.next() < 0.5 ? QMAX7 : QMAX8);
        const x = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const pick = r.next();
          // exact ties (k + 0.5 steps from the zero point), specials, far out of range, and ordinary values
          x[i] = pick < 0.2 ? (r.int(-300, 300) + 0.5) * p.scale : pick < 0.23 ? [NaN, Infinity, -Infinity][r.int(0, 2)]
            : pick < 0.3 ? r.uniform(-1e6, 1e6) : r.uniform(-p.zero - 5, p.qmax - p.zero + 5) * p.scale;
        }
        const xp = arena.alloc(4 * n + SLACK);
        arena.writeF32(xp, x);
        const o = outU8(n);
        ex.quantize_u8(xp, n, Math.fround(1 / p.scale), p.zero, p.qmax, o);
        const q = quantizeTensor(x, p) as Uint8Array;
        expect(Array.from(readU8(o, n)), `quantize n=${n} z=${p.zero}`).toEqual(Array.from(q));
        untouched(o, n, "quantize");
        const d = outU8(4 * n);
        ex.dequantize_u8(putU8(q, r), n, p.scale, p.zero, d);
        expect(Array.from(arena.readF32(d, n)), `dequantize n=${n}`).toEqual(Array.from(dequantizeTensor(q, p)));
        untouched(d, 4 * n, "dequantize");
      }
    });
  });
}

describe("quantization arithmetic (src/quant/params.ts)", () => {
  it("roundHalfEven rounds ties to even, like f32x4.nearest", () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4999, -0.7, 3.5000001].map(roundHalfEven)).toEqual([-2, -2, 0, 0, 2, 2, 2, -1, 4]);
  });

  it("activationParams holds real 0 exactly and covers the range; quantizeWeights is symmetric per channel", () => {
    const r = new Random(107);
    for (let k = 0; k < 200; k++) {
      const qmax = k % 2 ? QMAX7 : QMAX8;
      const lo = r.next() < 0.3 ? 0 : -Math.exp(r.uniform(-5, 3)), hi = r.next() < 0.1 ? 0 : Math.exp(r.uniform(-5, 3));
      const p = activationParams(lo, hi, qmax);
      expect(Array.from(quantizeTensor([0], p))).toEqual([p.zero]);
      expect(dequantizeTensor([p.zero], p)[0]).toBe(0);
      expect(p.scale * (0 - p.zero)).toBeLessThanOrEqual(lo + p.scale);
      expect(p.scale * (qmax - p.zero)).toBeGreaterThanOrEqual(hi - p.scale);
    }
    expect(() => activationParams(-1, 1, 200)).toThrow(RangeError);
    expect(() => activationParams(-1, 1, 65535)).toThrow(RangeError);
    expect([63, 127, 255, 4095, 32767, 4096].map(activationBits)).toEqual([0, 7, 8, 12, 15, 0]);
    expect(activationParams(-1, 3, QMAX12)).toEqual({ scale: Math.fround(4 / 4095), zero: 1024, qmax: 4095 });
    const w = new Float32Array([0.5, -2, 0, -0.25, 1, 0]); // [C=2, F=3]
    const { q, scale } = quantizeWeights(w, 3);
    expect(Array.from(scale)).toEqual([Math.fround(0.5 / 127), Math.fround(2 / 127), 1]);
    expect(Array.from(q)).toEqual([127, -127, 0, -64, 64, 0]);
  });

  it("dequantized, an integer separable layer (depthwise, pointwise) is the f32 one within its rounding", () => {
    const r = new Random(108);
    for (let k = 0; k < 20; k++) {
      const H = size(r, 16), W = size(r, 16), C = channels(r, 40), F = channels(r, 40), pad = r.int(0, 1);
      const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
      if (Ho <= 0 || Wo <= 0) continue;
      const xf = r.fill(H * W * C, -1, 2), dw = r.fill(9 * C, -0.5, 0.5), pw = r.fill(C * F, -0.3, 0.3), b = r.fill(F, -0.5, 0.5);
      const inp = activationParams(-1, 2, QMAX7);
      const x = quantizeTensor(xf, inp), xd = dequantizeTensor(x, inp);
      // depthwise into a 7-bit tensor over the f32 layer's range
      const dwq = quantizeWeights(dw, C), dwd = Float32Array.from(dwq.q, (v, i) => v * dwq.scale[i % C]);
      const mid = depthwiseRef(xd, H, W, C, dwd, null, pad);
      const pm = activationParams(Math.min(...mid), Math.max(...mid), QMAX7);
      const yq = qref.depthwiseQRef(x, H, W, C, inp.zero, dwq.q, depthwiseRequant(C, dwq.scale, inp, null, pm), Ho, Wo, 1, pad, pad, 0, QMAX7);
      const y = dequantizeTensor(yq, pm);
      for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - mid[i])).toBeLessThanOrEqual(pm.scale + 1e-5 * (1 + Math.abs(mid[i])));
      // pointwise with its bias, into f32: exact up to f32 rounding given the same (quantized) operands
      const pwq = quantizeWeights(pw, F), pwd = Float32Array.from(pwq.q, (v, i) => v * pwq.scale[i % F]);
      const want = pointwiseRef(y, Ho * Wo, C, pwd, b, F);
      const got = qref.pointwiseQF32Ref(yq, Ho * Wo, C, pwq.q, F, pointwiseRequant(pwq.q, C, F, pwq.scale, pm, b, null));
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i])));
    }
  });
});
