// The element-wise, copy and resize kernels of assembly/nn (activation.ts, binary.ts, copy.ts, resize.ts)
// against their float64 references (src/reference/elementwise.ts), in both WASM builds, with NaN-poisoned
// outputs and a check that nothing past the end is written. The resize tables (src/engine/resize-tables.ts)
// are tested through the kernels: the references compute coordinates themselves.
import { describe, it, expect } from "vitest";
import { relaxedSimdSupported, type ModuleName } from "../src/engine/wasm.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";
import { Act, BinaryKind } from "../src/abi/nn.js";
import { linearTable, nearestTable, type CoordMode, type NearestMode } from "../src/engine/resize-tables.js";
import * as ref from "../src/reference/elementwise.js";
import { Random } from "../src/util/random.js";
import { expectClose, kernelHarness } from "./helpers.js";

await enableRelaxedSimd();
const variants: ModuleName[] = relaxedSimdSupported() ? ["nnSimd", "nnRelaxed"] : ["nnSimd"];
// activations: max |err| ≤ TOL·(1 + |ref|)
const TOL = 2e-6;
const COORDS: CoordMode[] = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"];
const ROUNDINGS: NearestMode[] = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];


/** Random channel count 1..max, mostly not a multiple of 4. */
function channels(r: Random, max = 20): number {
  for (;;) {
    const c = r.int(1, max);
    if (c % 4 !== 0 || r.next() < 0.15) return c;
  }
}

// Every kind with the parameter sets worth trying (params are f32[4], read as float32 by both sides).
const ACTS: { name: string; kind: number; params: number[] }[] = [
  { name: "relu", kind: Act.Relu, params: [Infinity, 0, 0] },
  { name: "relu6", kind: Act.Relu, params: [6, 0, 0] },
  { name: "leaky relu", kind: Act.Relu, params: [Infinity, 0.2, 0] },
  { name: "relu max+slope+threshold", kind: Act.Relu, params: [4.5, 0.3, 0.7] },
  { name: "relu negative threshold", kind: Act.Relu, params: [Infinity, 0.1, -1.25] },
  { name: "elu", kind: Act.Elu, params: [1, 0, 0] },
  { name: "elu α=0.3", kind: Act.Elu, params: [0.3, 0, 0] },
  { name: "selu", kind: Act.Selu, params: [1.6732632423543772, 1.0507009873554805, 0] },
  { name: "sigmoid", kind: Act.Sigmoid, params: [0, 0, 0] },
  { name: "hard sigmoid (Keras)", kind: Act.HardSigmoid, params: [0.2, 0.5, 0] },
  { name: "hard sigmoid (1/6)", kind: Act.HardSigmoid, params: [1 / 6, 0.5, 0] },
  { name: "tanh", kind: Act.Tanh, params: [0, 0, 0] },
  { name: "swish", kind: Act.Swish, params: [0, 0, 0] },
  { name: "hard swish", kind: Act.HardSwish, params: [1 / 6, 0.5, 0] },
  { name: "softplus", kind: Act.Softplus, params: [0, 0, 0] },
  { name: "gelu", kind: Act.Gelu, params: [0, 0, 0] },
  { name: "gelu tanh", kind: Act.GeluTanh, params: [0, 0, 0] },
  { name: "softsign", kind: Act.Softsign, params: [0, 0, 0] },
  { name: "mish", kind: Act.Mish, params: [0, 0, 0] },
];

/** Inputs that stress the approximations: near 0, dense over [−10, 10], and around exp's limits. */
function sweep(): Float32Array {
  const v: number[] = [0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 1e-4, -1e-4, 0.5, -0.5, 0.625, -0.625, 0.75, -0.75, 1.0606601, -1.0606601];
  for (let i = -200; i <= 200; i++) v.push(i * 1e-3);
  for (let i = -2000; i <= 2000; i++) v.push(i * 5e-3);
  for (let i = -100; i <= 100; i++) v.push(88.7 + i * 0.01, -88.7 + i * 0.01, 87.3 + i * 0.01, -87.3 + i * 0.01);
  v.push(20, -20, 30, -30, 44, -44, 50, -50, 89, -89, 100, -100, 104, -104, 120, -120, 1e4, -1e4, 3e38, -3e38);
  return new Float32Array(v);
}

for (const variant of variants) {
  describe(`element-wise kernels (${variant})`, () => {
    const { ex, arena, put, putBytes, out, untouchedAfter } = kernelHarness(variant);

    it("activation: every kind over n = 1..70, values in [−30, 30], in place too", () => {
      const r = new Random(41);
      for (const a of ACTS) {
        for (let n = 1; n <= 70; n++) {
          arena.reset();
          const params = new Float32Array([...a.params, 0]);
          const x = r.fill(n, -30, 30);
          // a few small ones, where cancellation would show
          for (let i = 0; i < n; i += 5) x[i] = r.uniform(-1, 1) * 10 ** -r.int(0, 6);
          const want = ref.activationRef(x, a.kind, params);
          const pp = put(params), o = out(n);
          ex.activation(put(x), n, o, a.kind, pp);
          expectClose(arena.readF32(o, n), want, TOL, `${a.name} n=${n}`);
          untouchedAfter(o, n);
          // in place, into a poisoned tail
          const xi = out(n);
          arena.writeF32(xi, x);
          ex.activation(xi, n, xi, a.kind, pp);
          expectClose(arena.readF32(xi, n), want, TOL, `${a.name} in place n=${n}`);
          untouchedAfter(xi, n);
        }
      }
    });

    it("activation: every kind over a sweep near 0, over [−10, 10] and at exp's overflow and underflow", () => {
      const x = sweep();
      for (const a of ACTS) {
        // every phase of the tail: the sweep cut at 4 lengths
        for (const cut of [0, 1, 2, 3]) {
          arena.reset();
          const n = x.length - cut, xs = x.subarray(0, n);
          const params = new Float32Array([...a.params, 0]);
          const o = out(n);
          ex.activation(put(xs), n, o, a.kind, put(params));
          expectClose(arena.readF32(o, n), ref.activationRef(xs, a.kind, params), TOL, `${a.name} sweep n=${n}`);
          untouchedAfter(o, n);
        }
      }
    });

    it("activation: the limits are exact, never NaN (exp far out of range)", () => {
      arena.reset();
      const x = new Float32Array([-1e4, -200, 200, 1e4, -Infinity, Infinity]);
      const at = (kind: number, params = [0, 0, 0, 0]) => {
        const o = out(x.length);
        ex.activation(put(x), x.length, o, kind, put(params));
        return Array.from(arena.readF32(o, x.length));
      };
      expect(at(Act.Sigmoid)).toEqual([0, 0, 1, 1, 0, 1]);
      expect(at(Act.Tanh)).toEqual([-1, -1, 1, 1, -1, 1]);
      expect(at(Act.Elu, [1, 0, 0, 0])).toEqual([-1, -1, 200, 1e4, -1, Infinity]);
      expect(at(Act.Softplus).slice(0, 4)).toEqual([0, 0, 200, 1e4]);
      expect(at(Act.Mish).slice(0, 4).map((v) => v + 0)).toEqual([0, 0, 200, 1e4]);
      expect(at(Act.Gelu).slice(0, 4).map((v) => v + 0)).toEqual([0, 0, 200, 1e4]);
      expect(at(Act.GeluTanh).slice(0, 4).map((v) => v + 0)).toEqual([0, 0, 200, 1e4]);
      expect(at(Act.Swish).slice(0, 4).map((v) => v + 0)).toEqual([0, 0, 200, 1e4]);
    });

    it("prelu: one slope per channel, and one slope for all (C = 1), in place too", () => {
      const r = new Random(42);
      for (let k = 0; k < 60; k++) {
        arena.reset();
        const P = r.int(1, 40), C = k % 5 === 0 ? 1 : channels(r, 40);
        const x = r.fill(P * C, -3, 3), alpha = r.fill(C, -0.5, 1);
        const o = out(P * C), pa = put(alpha);
        ex.prelu(put(x), P, C, pa, o);
        expectClose(arena.readF32(o, P * C), ref.preluRef(x, P, C, alpha), 1e-7, `prelu P=${P} C=${C}`);
        untouchedAfter(o, P * C);
        const xi = put(x);
        ex.prelu(xi, P, C, pa, xi);
        expectClose(arena.readF32(xi, P * C), ref.preluRef(x, P, C, alpha), 1e-7, `prelu in place P=${P} C=${C}`);
      }
    });

    it("binary: every kind, every broadcast pattern (full, per-channel, per-pixel, scalar, general), odd sizes", () => {
      const r = new Random(43);
      const kinds = [BinaryKind.Add, BinaryKind.Sub, BinaryKind.Mul, BinaryKind.Div, BinaryKind.Max, BinaryKind.Min];
      // a side: [div, mod] for n = P·C
      type Side = [number, number];
      const patterns: { name: string; sides: (P: number, C: number, n: number) => [Side, Side] }[] = [
        { name: "full∘full", sides: (_P, _C, n) => [[1, n], [1, n]] },
        { name: "full∘full (mod > n)", sides: (_P, _C, n) => [[1, n + 3], [1, n + 1]] },
        { name: "full∘channel", sides: (_P, C, n) => [[1, n], [1, C]] },
        { name: "channel∘full", sides: (_P, C, n) => [[1, C], [1, n]] },
        { name: "full∘pixel", sides: (P, C, n) => [[1, n], [C, P]] },
        { name: "pixel∘full", sides: (P, C, n) => [[C, P], [1, n]] },
        { name: "full∘scalar", sides: (_P, _C, n) => [[1, n], [1, 1]] },
        { name: "scalar∘full", sides: (_P, _C, n) => [[1, 1], [1, n]] },
        { name: "full∘scalar (div ≥ n)", sides: (_P, _C, n) => [[1, n], [n, 3]] },
        { name: "scalar (div ≥ n)∘full", sides: (_P, _C, n) => [[n + 2, 2], [1, n]] },
        { name: "scalar∘scalar", sides: () => [[1, 1], [1, 1]] },
        { name: "channel∘pixel", sides: (P, C) => [[1, C], [C, P]] },
        { name: "pixel∘channel", sides: (P, C) => [[C, P], [1, C]] },
        { name: "pixel∘scalar", sides: (P, C) => [[C, P], [1, 1]] },
        // [N, P, C] with a per-image [N] and a [P, C] side: div P·C over N, mod P·C
        { name: "per-image∘repeated block", sides: (P, C, n) => [[P * C, Math.max(1, Math.ceil(n / (P * C)))], [1, P * C]] },
        { name: "general (div 3, mod 5 ∘ mod 7)", sides: () => [[3, 5], [1, 7]] },
        { name: "general (div 2, mod 3 ∘ div 5, mod 2)", sides: () => [[2, 3], [5, 2]] },
      ];
      for (const kind of kinds) {
        for (const pat of patterns) {
          for (let k = 0; k < 6; k++) {
            arena.reset();
            const P = r.int(1, 40), C = k < 2 ? r.int(1, 3) : channels(r, 37), N = pat.name.startsWith("per-image") ? r.int(1, 3) : 1;
            const n = N * P * C;
            const [[aDiv, aMod], [bDiv, bMod]] = pat.sides(P, C, n);
            const a = r.fill(aMod, -2, 2), b = r.fill(bMod, -2, 2);
            // keep divisors away from 0
            if (kind === BinaryKind.Div) b.forEach((v, i) => (b[i] = Math.sign(v || 1) * (0.25 + Math.abs(v))));
            const o = out(n);
            ex.binary(put(a), aDiv, aMod, put(b), bDiv, bMod, n, o, kind);
            const what = `binary kind=${kind} ${pat.name} P=${P} C=${C} n=${n}`;
            expectClose(arena.readF32(o, n), ref.binaryRef(a, aDiv, aMod, b, bDiv, bMod, n, kind), 1e-7, what);
            untouchedAfter(o, n);
          }
        }
        // out aliasing a full side
        for (let k = 0; k < 6; k++) {
          arena.reset();
          const P = r.int(1, 30), C = channels(r), n = P * C;
          const a = r.fill(n), b = r.fill(C, 0.5, 2);
          const want = ref.binaryRef(a, 1, n, b, 1, C, n, kind);
          const pa = put(a);
          ex.binary(pa, 1, n, put(b), 1, C, n, pa, kind);
          expectClose(arena.readF32(pa, n), want, 1e-7, `binary kind=${kind} in place into a P=${P} C=${C}`);
          const b2 = r.fill(n, 0.5, 2);
          const want2 = ref.binaryRef(a, 1, 1, b2, 1, n, n, kind);
          const pb = put(b2);
          ex.binary(put(a), 1, 1, pb, 1, n, n, pb, kind);
          expectClose(arena.readF32(pb, n), want2, 1e-7, `binary kind=${kind} in place into b n=${n}`);
        }
      }
    });

    it("blockCopy concatenates along any axis", () => {
      const r = new Random(44);
      for (let k = 0; k < 50; k++) {
        arena.reset();
        const outer = r.int(1, 12), parts = r.int(1, 4);
        const inners = Array.from({ length: parts }, () => r.int(1, 23));
        const dstInner = inners.reduce((s, v) => s + v, 0);
        const dst = out(outer * dstInner);
        const want = new Float32Array(outer * dstInner);
        let off = 0;
        for (const inner of inners) {
          const src = r.fill(outer * inner);
          ex.blockCopy(put(src), outer, inner, dst, dstInner, off);
          ref.blockCopyRef(src, outer, inner, want, dstInner, off);
          off += inner;
        }
        expect(Array.from(arena.readF32(dst, outer * dstInner)), `blockCopy outer=${outer} inners=${inners}`).toEqual(Array.from(want));
        untouchedAfter(dst, outer * dstInner);
      }
    });

    it("crop2d matches crop2dRef", () => {
      const r = new Random(45);
      for (let k = 0; k < 50; k++) {
        arena.reset();
        const H = r.int(1, 20), W = r.int(1, 20), C = channels(r);
        const top = r.int(0, H - 1), left = k % 4 === 0 ? 0 : r.int(0, W - 1);
        const Ho = r.int(1, H - top), Wo = k % 4 === 0 ? W : r.int(1, W - left);
        const x = r.fill(H * W * C), n = Ho * Wo * C;
        const o = out(n);
        ex.crop2d(put(x), H, W, C, top, left, Ho, Wo, o);
        expect(Array.from(arena.readF32(o, n)), `crop ${H}x${W}x${C} at ${top},${left} → ${Ho}x${Wo}`).toEqual(Array.from(ref.crop2dRef(x, H, W, C, top, left, Ho, Wo)));
        untouchedAfter(o, n);
      }
    });

    it("transpose4: every permutation of random shapes, plus sliced and broadcast strides", () => {
      const r = new Random(46);
      const perms: number[][] = [];
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 4; b++)
          for (let c = 0; c < 4; c++)
            for (let d = 0; d < 4; d++) if (new Set([a, b, c, d]).size === 4) perms.push([a, b, c, d]);
      for (const perm of perms) {
        for (let k = 0; k < 4; k++) {
          arena.reset();
          // dims of the source, row-major; k = 0 gives inner dims ≥ 4 so the 4×4 blocks run
          const d = Array.from({ length: 4 }, (_, i) => (k === 0 && i >= 2 ? r.int(4, 13) : r.int(1, 9)));
          const st = [d[1] * d[2] * d[3], d[2] * d[3], d[3], 1];
          const n = perm.map((p) => d[p]), s = perm.map((p) => st[p]);
          const x = r.fill(d[0] * d[1] * d[2] * d[3]), total = n[0] * n[1] * n[2] * n[3];
          const o = out(total);
          ex.transpose4(put(x), o, n[0], n[1], n[2], n[3], s[0], s[1], s[2], s[3]);
          expect(Array.from(arena.readF32(o, total)), `transpose d=${d} perm=${perm}`).toEqual(Array.from(ref.transpose4Ref(x, n, s)));
          untouchedAfter(o, total);
        }
      }
      // a 2-D transpose (NHWC → NCHW of one image), big enough for the blocks and their tails
      for (const [P, C] of [[4, 4], [17, 5], [33, 19], [64, 3], [5, 64]]) {
        arena.reset();
        const x = r.fill(P * C), o = out(P * C);
        ex.transpose4(put(x), o, 1, 1, C, P, 0, 0, 1, C);
        expect(Array.from(arena.readF32(o, P * C))).toEqual(Array.from(ref.transpose4Ref(x, [1, 1, C, P], [0, 0, 1, C])));
      }
      // strides of a slice of a bigger tensor, and 0 strides (broadcast)
      for (let k = 0; k < 30; k++) {
        arena.reset();
        const n = [r.int(1, 5), r.int(1, 5), r.int(1, 6), r.int(1, 7)];
        const s = n.map(() => r.int(0, 3));
        if (k % 3 === 0) s[3] = 1;
        if (k % 6 === 0) s[2] = n[3];
        const size = n.reduce((acc, v, i) => acc + (v - 1) * s[i], 0) + 1;
        const x = r.fill(size), total = n[0] * n[1] * n[2] * n[3];
        const o = out(total);
        ex.transpose4(put(x), o, n[0], n[1], n[2], n[3], s[0], s[1], s[2], s[3]);
        expect(Array.from(arena.readF32(o, total)), `strided n=${n} s=${s}`).toEqual(Array.from(ref.transpose4Ref(x, n, s)));
        untouchedAfter(o, total);
      }
    });

    it("resizeNearest with nearestTable: every coordinate mode and rounding, up and down, sizes 1 included", () => {
      const r = new Random(47);
      for (const coord of COORDS)
        for (const rounding of ROUNDINGS)
          for (let k = 0; k < 12; k++) {
            arena.reset();
            const H = k === 0 ? 1 : r.int(1, 12), W = k === 1 ? 1 : r.int(1, 12), C = channels(r);
            // k 2, 3: outputs of size 1; 4, 5: integer upscaling; others anything
            const Ho = k === 2 ? 1 : k === 4 ? 2 * H : r.int(1, 25), Wo = k === 3 ? 1 : k === 5 ? 3 * W : r.int(1, 25);
            const x = r.fill(H * W * C), n = Ho * Wo * C;
            const o = out(n);
            ex.resizeNearest(put(x), H, W, C, o, Ho, Wo, putBytes(nearestTable(H, Ho, coord, rounding)), putBytes(nearestTable(W, Wo, coord, rounding)));
            const want = ref.resizeNearestRef(x, H, W, C, Ho, Wo, coord, rounding);
            expect(Array.from(arena.readF32(o, n)), `nearest ${coord} ${rounding} ${H}x${W}x${C} → ${Ho}x${Wo}`).toEqual(Array.from(want));
            untouchedAfter(o, n);
          }
    });

    it("resizeBilinear with linearTable: every coordinate mode, up and down, sizes 1 included", () => {
      const r = new Random(48);
      for (const coord of COORDS)
        for (let k = 0; k < 20; k++) {
          arena.reset();
          const H = k === 0 ? 1 : r.int(1, 12), W = k === 1 ? 1 : r.int(1, 12), C = channels(r);
          const Ho = k === 2 ? 1 : k === 4 ? 2 * H : r.int(1, 25), Wo = k === 3 ? 1 : k === 5 ? 2 * W : r.int(1, 25);
          const x = r.fill(H * W * C), n = Ho * Wo * C;
          const o = out(n);
          ex.resizeBilinear(put(x), H, W, C, o, Ho, Wo, putBytes(linearTable(H, Ho, coord)), putBytes(linearTable(W, Wo, coord)));
          expectClose(arena.readF32(o, n), ref.resizeBilinearRef(x, H, W, C, Ho, Wo, coord), TOL, `bilinear ${coord} ${H}x${W}x${C} → ${Ho}x${Wo}`);
          untouchedAfter(o, n);
        }
    });
  });
}

describe("resize tables", () => {
  it("Keras UpSampling2D nearest (asymmetric + floor) repeats each index `size` times", () => {
    for (const n of [1, 2, 5, 7])
      for (const s of [1, 2, 3])
        expect(Array.from(nearestTable(n, n * s, "asymmetric", "floor"))).toEqual(Array.from({ length: n * s }, (_, i) => Math.floor(i / s)));
  });

  it("ties of the rounding modes: half_pixel 4 → 2 lands on 0.5 and 2.5", () => {
    expect(Array.from(nearestTable(4, 2, "half_pixel", "round_prefer_floor"))).toEqual([0, 2]);
    expect(Array.from(nearestTable(4, 2, "half_pixel", "round_prefer_ceil"))).toEqual([1, 3]);
    expect(Array.from(nearestTable(4, 2, "half_pixel", "floor"))).toEqual([0, 2]);
    expect(Array.from(nearestTable(4, 2, "half_pixel", "ceil"))).toEqual([1, 3]);
    // tf_half_pixel_for_nn + ceil past the end is clamped
    expect(Array.from(nearestTable(3, 2, "tf_half_pixel_for_nn", "ceil"))).toEqual([1, 2]);
  });

  it("linearTable: ONNX's 2 → 4 half_pixel and align_corners weights, clamped at the edges, 12-byte entries", () => {
    const words = (t: Float32Array) => {
      const i = new Int32Array(t.buffer, t.byteOffset, t.length);
      return Array.from({ length: t.length / 3 }, (_, k) => [i[3 * k], i[3 * k + 1], t[3 * k + 2]]);
    };
    // half_pixel: −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    expect(words(linearTable(2, 4, "half_pixel"))).toEqual([[0, 1, 0], [0, 1, 0.25], [0, 1, 0.75], [1, 1, 0]]);
    // align_corners: 0, 1/3, 2/3, 1; out = 1 takes the first pixel
    expect(words(linearTable(2, 4, "align_corners")).map(([a, b, t]) => [a, b, Math.round(t * 3)])).toEqual([[0, 1, 0], [0, 1, 1], [0, 1, 2], [1, 1, 0]]);
    expect(words(linearTable(5, 1, "align_corners"))).toEqual([[0, 1, 0]]);
    expect(words(linearTable(1, 3, "half_pixel"))).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(linearTable(3, 5, "asymmetric").buffer.byteLength).toBe(60);
  });
});
