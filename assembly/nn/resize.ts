// Resizing by precomputed per-axis tables (src/engine/resize-tables.ts builds them for each ONNX/Keras/TF
// coordinate mode): in [H, W, C] → out [Ho, Wo, C].
import { madd } from "./simd";

// Copies one pixel of C floats.
// @ts-ignore: decorator
@inline function copyPixel(d: usize, s: usize, C: i32): void {
  let c = 0;
  for (; c + 4 <= C; c += 4) v128.store(d + (<usize>c << 2), v128.load(s + (<usize>c << 2)));
  for (; c < C; c++) store<f32>(d + (<usize>c << 2), load<f32>(s + (<usize>c << 2)));
}

// Nearest: out[y, x] = in[ytab[y], xtab[x]], ytab i32[Ho], xtab i32[Wo]. A row whose source row is the
// previous one's (upsampling) is copied from the output just written.
export function resizeNearest(inp: usize, H: i32, W: i32, C: i32, out: usize, Ho: i32, Wo: i32, ytab: usize, xtab: usize): void {
  const px = <usize>C << 2;
  const inRow = <usize>W * px, outRow = <usize>Wo * px;
  let prev = -1;
  let o = out;
  for (let y = 0; y < Ho; y++) {
    const sy = load<i32>(ytab + (<usize>y << 2));
    if (sy == prev) {
      memory.copy(o, o - outRow, outRow);
    } else {
      const r = inp + <usize>sy * inRow;
      for (let x = 0; x < Wo; x++) copyPixel(o + <usize>x * px, r + <usize>load<i32>(xtab + (<usize>x << 2)) * px, C);
    }
    prev = sy;
    o += outRow;
  }
}

// Bilinear, separable: tables of 12-byte entries (i32 i0, i32 i1, f32 t), the value along an axis being
// (1 − t)·v[i0] + t·v[i1]; y is interpolated first, then x. SIMD over channels.
export function resizeBilinear(inp: usize, H: i32, W: i32, C: i32, out: usize, Ho: i32, Wo: i32, ytab: usize, xtab: usize): void {
  const px = <usize>C << 2;
  const inRow = <usize>W * px;
  const C4 = C & ~3;
  let o = out;
  for (let y = 0; y < Ho; y++) {
    const ye = ytab + <usize>y * 12;
    const r0 = inp + <usize>load<i32>(ye) * inRow, r1 = inp + <usize>load<i32>(ye, 4) * inRow;
    const ty = load<f32>(ye, 8), uy: f32 = 1 - ty;
    const tyv = f32x4.splat(ty), uyv = f32x4.splat(uy);
    for (let x = 0; x < Wo; x++) {
      const xe = xtab + <usize>x * 12;
      const c0 = <usize>load<i32>(xe) * px, c1 = <usize>load<i32>(xe, 4) * px;
      const tx = load<f32>(xe, 8), ux: f32 = 1 - tx;
      const txv = f32x4.splat(tx), uxv = f32x4.splat(ux);
      const p00 = r0 + c0, p01 = r0 + c1, p10 = r1 + c0, p11 = r1 + c1;
      let c = 0;
      for (; c < C4; c += 4) {
        const k = <usize>c << 2;
        const a = madd(tyv, v128.load(p10 + k), f32x4.mul(uyv, v128.load(p00 + k)));
        const b = madd(tyv, v128.load(p11 + k), f32x4.mul(uyv, v128.load(p01 + k)));
        v128.store(o + k, madd(txv, b, f32x4.mul(uxv, a)));
      }
      for (; c < C; c++) {
        const k = <usize>c << 2;
        const a = uy * load<f32>(p00 + k) + ty * load<f32>(p10 + k);
        const b = uy * load<f32>(p01 + k) + ty * load<f32>(p11 + k);
        store<f32>(o + k, ux * a + tx * b);
      }
      o += px;
    }
  }
}
