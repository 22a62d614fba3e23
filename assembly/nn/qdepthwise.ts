import { requant4, narrow8, storeBytes8, narrowU16x8, storeU16x8, loadLanes8 } from "./qsimd";

// Integer depthwise 3×3 convolution, one filter per channel, any stride, zero padding given as the rows
// above (padT) and columns left (padL) of the image; Ho, Wo given (valid, stride 1: H − 2; same, stride 1:
// H with padT = 1; same, stride 2: ceil(H/2) with padT = ((Ho − 1)·2 + 3 − H) >> 1).
//   in:  [H, W, C] u8 (u16 for _a16) with zero point zIn. Each tap reads 8 values (up to 7 past a pixel's last channel:
//        leave 16 bytes after the tensor); the extra ones meet zero weights.
//   w:   packDepthwiseI16's layout: per group of 8 channels, 5 tap pairs (0,1) (2,3) (4,5) (6,7) (8,–), each two
//        vectors (channels 0–3, 4–7) of i16 pairs (w[a, c], w[b, c]); 160 bytes a group, zero-padded.
//   q:   packRequant's block for Cp: i32 bias32 [Cp] (0 unless a quantized bias is wanted), f32 mul, f32 add.
//   out: [Ho, Wo, C] u8 = clamp(round(acc·mul + add), qmin, qmax), acc = bias32 + Σ w·(x − zIn) over the
//        taps inside the image (a tap outside reads real 0: nothing to add).
// Products: i32x4.dot_i16x8_s (one pmaddwd: 8 multiply-adds) on two taps' values interleaved channel by
// channel (one unpack each half), so 9 taps of 8 channels take 10 dot products; the extmul form took two
// three-instruction multiplies a tap. The zero point: every pixel starts from bias32 − zIn·Σ_t w[t, c]
// and multiplies the values as they are; a tap outside the image (padding) reads zIn instead of memory,
// which adds w·zIn and so cancels its share of that start.
export function depthwise3x3_i8(inp: usize, H: i32, W: i32, C: i32, zIn: i32, w: usize, q: usize, out: usize,
                                Ho: i32, Wo: i32, stride: i32, padT: i32, padL: i32, qmin: i32, qmax: i32): void {
  depthwise3x3<u8>(inp, H, W, C, zIn, w, q, out, Ho, Wo, stride, padT, padL, qmin, qmax);
}

// The same with 16-bit activations (u16 in and out, qmax ≤ 32767; docs/int8.md says why ResEZAP needs 12
// bits) and weights up to ±3640 (quantizeWeights16: 9 of them still sum in an i16 lane). The i32 sums stay
// exact while 9·qmax·max|w| < 2^31 (12-bit activations, 12-bit weights: 7.5·10^7).
export function depthwise3x3_a16(inp: usize, H: i32, W: i32, C: i32, zIn: i32, w: usize, q: usize, out: usize,
                                 Ho: i32, Wo: i32, stride: i32, padT: i32, padL: i32, qmin: i32, qmax: i32): void {
  depthwise3x3<u16>(inp, H, W, C, zIn, w, q, out, Ho, Wo, stride, padT, padL, qmin, qmax);
}

// acc + the dot product of one half (lanes 0–3: half 0, 4–7: half 1) of taps a and b interleaved with k.
// @ts-ignore: decorator
@inline function pairDot(acc: v128, va: v128, vb: v128, k: v128, half: i32): v128 {
  const v = half == 0 ? v128.shuffle<i16>(va, vb, 0, 8, 1, 9, 2, 10, 3, 11) : v128.shuffle<i16>(va, vb, 4, 12, 5, 13, 6, 14, 7, 15);
  return i32x4.add(acc, i32x4.dot_i16x8_s(v, k));
}

// The 8 values at image pixel (y, x), channels c.., or zIn's (zv) when the pixel lies in the padding.
// @ts-ignore: decorator
@inline function tapOrZero<T>(inp: usize, y: i32, x: i32, H: i32, W: i32, px: usize, cOff: usize, zv: v128): v128 {
  if (<u32>y >= <u32>H || <u32>x >= <u32>W) return zv;
  return loadLanes8<T>(inp + (<usize>y * <usize>W + <usize>x) * px + cOff);
}

// @ts-ignore: decorator
@inline function depthwise3x3<T>(inp: usize, H: i32, W: i32, C: i32, zIn: i32, w: usize, q: usize, out: usize,
                                 Ho: i32, Wo: i32, stride: i32, padT: i32, padL: i32, qmin: i32, qmax: i32): void {
  if (C <= 0 || Ho <= 0 || Wo <= 0) return;
  const Cp = (C + 7) & ~7;
  const E = sizeof<T>();
  const px = <usize>C * E, row = <usize>W * px;
  const zv = i16x8.splat(<i16>zIn);
  const ones = i16x8.splat(1);
  const lo = E == 1 ? i8x16.splat(<i8>qmin) : i16x8.splat(<i16>qmin), hi = E == 1 ? i8x16.splat(<i8>qmax) : i16x8.splat(<i16>qmax);
  for (let c = 0; c < C; c += 8) {
    const n = min(8, C - c);
    const cOff = <usize>c * E;
    const wg = w + <usize>(c >> 3) * 160;
    const k0 = v128.load(wg), k1 = v128.load(wg, 16), k2 = v128.load(wg, 32), k3 = v128.load(wg, 48), k4 = v128.load(wg, 64);
    const k5 = v128.load(wg, 80), k6 = v128.load(wg, 96), k7 = v128.load(wg, 112), k8 = v128.load(wg, 128), k9 = v128.load(wg, 144);
    const qc = q + (<usize>c << 2);
    const m0 = v128.load(qc + (<usize>Cp << 2)), m1 = v128.load(qc + (<usize>Cp << 2), 16);
    const b0 = v128.load(qc + (<usize>Cp << 3)), b1 = v128.load(qc + (<usize>Cp << 3), 16);
    // every pixel starts from bias32 − zIn·Σ_t w[t] (the pairs' sums: a dot product with ones)
    const zi = i32x4.splat(zIn);
    const s0 = i32x4.add(i32x4.add(i32x4.dot_i16x8_s(k0, ones), i32x4.dot_i16x8_s(k2, ones)), i32x4.add(i32x4.add(i32x4.dot_i16x8_s(k4, ones), i32x4.dot_i16x8_s(k6, ones)), i32x4.dot_i16x8_s(k8, ones)));
    const s1 = i32x4.add(i32x4.add(i32x4.dot_i16x8_s(k1, ones), i32x4.dot_i16x8_s(k3, ones)), i32x4.add(i32x4.add(i32x4.dot_i16x8_s(k5, ones), i32x4.dot_i16x8_s(k7, ones)), i32x4.dot_i16x8_s(k9, ones)));
    const full0 = i32x4.sub(v128.load(qc), i32x4.mul(s0, zi));
    const full1 = i32x4.sub(v128.load(qc, 16), i32x4.mul(s1, zi));
    for (let oy = 0; oy < Ho; oy++) {
      const iy = oy * stride - padT;
      const rowsInside = iy >= 0 && iy + 3 <= H;
      const orow = out + <usize>oy * <usize>Wo * px + cOff;
      for (let ox = 0; ox < Wo; ox++) {
        const ix = ox * stride - padL;
        let v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, v6: v128, v7: v128, v8: v128;
        if (rowsInside && ix >= 0 && ix + 3 <= W) {
          const p = inp + (<usize>iy * <usize>W + <usize>ix) * px + cOff;
          v0 = loadLanes8<T>(p); v1 = loadLanes8<T>(p + px); v2 = loadLanes8<T>(p + 2 * px);
          v3 = loadLanes8<T>(p + row); v4 = loadLanes8<T>(p + row + px); v5 = loadLanes8<T>(p + row + 2 * px);
          v6 = loadLanes8<T>(p + 2 * row); v7 = loadLanes8<T>(p + 2 * row + px); v8 = loadLanes8<T>(p + 2 * row + 2 * px);
        } else {
          v0 = tapOrZero<T>(inp, iy, ix, H, W, px, cOff, zv); v1 = tapOrZero<T>(inp, iy, ix + 1, H, W, px, cOff, zv); v2 = tapOrZero<T>(inp, iy, ix + 2, H, W, px, cOff, zv);
          v3 = tapOrZero<T>(inp, iy + 1, ix, H, W, px, cOff, zv); v4 = tapOrZero<T>(inp, iy + 1, ix + 1, H, W, px, cOff, zv); v5 = tapOrZero<T>(inp, iy + 1, ix + 2, H, W, px, cOff, zv);
          v6 = tapOrZero<T>(inp, iy + 2, ix, H, W, px, cOff, zv); v7 = tapOrZero<T>(inp, iy + 2, ix + 1, H, W, px, cOff, zv); v8 = tapOrZero<T>(inp, iy + 2, ix + 2, H, W, px, cOff, zv);
        }
        let a0 = pairDot(full0, v0, v1, k0, 0), a1 = pairDot(full1, v0, v1, k1, 1);
        a0 = pairDot(a0, v2, v3, k2, 0); a1 = pairDot(a1, v2, v3, k3, 1);
        a0 = pairDot(a0, v4, v5, k4, 0); a1 = pairDot(a1, v4, v5, k5, 1);
        a0 = pairDot(a0, v6, v7, k6, 0); a1 = pairDot(a1, v6, v7, k7, 1);
        a0 = pairDot(a0, v8, v8, k8, 0); a1 = pairDot(a1, v8, v8, k9, 1);
        const o = orow + <usize>ox * px;
        if (E == 1) storeBytes8(o, narrow8(requant4(a0, m0, b0), requant4(a1, m1, b1), lo, hi), n);
        else storeU16x8(o, narrowU16x8(requant4(a0, m0, b0), requant4(a1, m1, b1), lo, hi), n);
      }
    }
  }
}
