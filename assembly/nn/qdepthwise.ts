import { requant4, narrow8, storeBytes8, narrowU16x8, storeU16x8, loadLanes8 } from "./qsimd";

// Integer depthwise 3×3 convolution, one filter per channel, any stride, zero padding given as the rows
// above (padT) and columns left (padL) of the image; Ho, Wo given (valid, stride 1: H − 2; same, stride 1:
// H with padT = 1; same, stride 2: ceil(H/2) with padT = ((Ho − 1)·2 + 3 − H) >> 1).
//   in:  [H, W, C] u8 (u16 for _a16) with zero point zIn. Each tap reads 8 values (up to 7 past a pixel's last channel:
//        leave 16 bytes after the tensor); the extra ones meet zero weights.
//   w:   packDepthwiseI16's layout: i16 [9 taps][Cp], Cp = ceil8(C), zero-padded.
//   q:   packRequant's block for Cp: i32 bias32 [Cp] (0 unless a quantized bias is wanted), f32 mul, f32 add.
//   out: [Ho, Wo, C] u8 = clamp(round(acc·mul + add), qmin, qmax), acc = bias32 + Σ w·(x − zIn) over the
//        taps inside the image (a tap outside reads real 0: nothing to add).
// The zero point: an interior pixel (all 9 taps inside) starts from bias32 − zIn·Σ_t w[t, c], computed
// once a row from the weights in registers, and multiplies the bytes as they are; a border pixel (padding)
// has fewer taps, so there zIn is subtracted from each byte read (i16x8.sub) instead.
// Products: i32x4.extmul_low/high_i16x8_s of 8 channels (i16 values in −255..255 × weights in −127..127),
// added into two i32x4 sums. Channels go 8 at a time, the group's 9 weight vectors held in registers
// across a whole output row; interior pixels take all 9 taps unconditionally, border pixels (padding)
// only the taps inside the image.
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

// @ts-ignore: decorator
@inline function depthwise3x3<T>(inp: usize, H: i32, W: i32, C: i32, zIn: i32, w: usize, q: usize, out: usize,
                                 Ho: i32, Wo: i32, stride: i32, padT: i32, padL: i32, qmin: i32, qmax: i32): void {
  if (C <= 0 || Ho <= 0 || Wo <= 0) return;
  const Cp = (C + 7) & ~7;
  const E = sizeof<T>();
  const px = <usize>C * E, row = <usize>W * px;
  const tapBytes = <usize>Cp << 1;
  const zv = i16x8.splat(<i16>zIn);
  const lo = E == 1 ? i8x16.splat(<i8>qmin) : i16x8.splat(<i16>qmin), hi = E == 1 ? i8x16.splat(<i8>qmax) : i16x8.splat(<i16>qmax);
  for (let oy = 0; oy < Ho; oy++) {
    const iy = oy * stride - padT;
    const ky0 = max(0, -iy), ky1 = min(3, H - iy);
    const fullRows = ky0 == 0 && ky1 == 3;
    const orow = out + <usize>oy * <usize>Wo * px;
    for (let c = 0; c < C; c += 8) {
      const n = min(8, C - c);
      const wc = w + (<usize>c << 1);
      const k0 = v128.load(wc), k1 = v128.load(wc + tapBytes), k2 = v128.load(wc + 2 * tapBytes);
      const k3 = v128.load(wc + 3 * tapBytes), k4 = v128.load(wc + 4 * tapBytes), k5 = v128.load(wc + 5 * tapBytes);
      const k6 = v128.load(wc + 6 * tapBytes), k7 = v128.load(wc + 7 * tapBytes), k8 = v128.load(wc + 8 * tapBytes);
      const qc = q + (<usize>c << 2);
      const bias0 = v128.load(qc), bias1 = v128.load(qc, 16);
      const m0 = v128.load(qc + (<usize>Cp << 2)), m1 = v128.load(qc + (<usize>Cp << 2), 16);
      const b0 = v128.load(qc + (<usize>Cp << 3)), b1 = v128.load(qc + (<usize>Cp << 3), 16);
      // interior pixels start from bias32 − zIn·Σ_t w[t] and multiply the bytes as they are
      const ksum = i16x8.add(i16x8.add(i16x8.add(k0, k1), i16x8.add(k2, k3)), i16x8.add(i16x8.add(k4, k5), i16x8.add(i16x8.add(k6, k7), k8)));
      const zi = i32x4.splat(zIn);
      const full0 = i32x4.sub(bias0, i32x4.mul(i32x4.extend_low_i16x8_s(ksum), zi));
      const full1 = i32x4.sub(bias1, i32x4.mul(i32x4.extend_high_i16x8_s(ksum), zi));
      for (let ox = 0; ox < Wo; ox++) {
        const ix = ox * stride - padL;
        let a0 = bias0, a1 = bias1;
        if (fullRows && ix >= 0 && ix + 3 <= W) {
          const p = inp + (<usize>iy * <usize>W + <usize>ix) * px + <usize>c * E;
          a0 = full0; a1 = full1;
          { const v = loadLanes8<T>(p); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k0)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k0)); }
          { const v = loadLanes8<T>(p + px); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k1)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k1)); }
          { const v = loadLanes8<T>(p + 2 * px); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k2)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k2)); }
          { const v = loadLanes8<T>(p + row); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k3)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k3)); }
          { const v = loadLanes8<T>(p + row + px); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k4)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k4)); }
          { const v = loadLanes8<T>(p + row + 2 * px); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k5)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k5)); }
          { const v = loadLanes8<T>(p + 2 * row); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k6)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k6)); }
          { const v = loadLanes8<T>(p + 2 * row + px); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k7)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k7)); }
          { const v = loadLanes8<T>(p + 2 * row + 2 * px); a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k8)); a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k8)); }
        } else {
          const kx0 = max(0, -ix), kx1 = min(3, W - ix);
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              const v = i16x8.sub(loadLanes8<T>(inp + <usize>((iy + ky) * W + ix + kx) * px + <usize>c * E), zv);
              const k = v128.load(wc + <usize>(ky * 3 + kx) * tapBytes);
              a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(v, k));
              a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(v, k));
            }
          }
        }
        const o = orow + <usize>ox * px + <usize>c * E;
        if (E == 1) storeBytes8(o, narrow8(requant4(a0, m0, b0), requant4(a1, m1, b1), lo, hi), n);
        else storeU16x8(o, narrowU16x8(requant4(a0, m0, b0), requant4(a1, m1, b1), lo, hi), n);
      }
    }
  }
}
