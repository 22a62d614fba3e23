import { depthwise3x3_rows } from "./depthwise";
import { pointwise_4x8 } from "./pointwise";
import { pointwise_a16_f32 } from "./qpointwise";
import { quantize_a16 } from "./qelementwise";

// Separable 3×3 convolution (depthwise then pointwise), a few output rows at a time: the depthwise rows go
// to a small scratch buffer that stays in L1/L2 for the pointwise that reads them at once, instead of a
// whole intermediate image making a round trip through memory.
//   in [H, W, C] → out [Ho, Wo, F];  dw [3,3,C];  pw packed as for pointwise_4x8;  pb [ceil8(F)]
//   res [Ho, Wo, F] or 0, relu: as for pointwise_4x8.   scratch: rows·Wo·C floats.
export function separable3x3(inp: usize, H: i32, W: i32, C: i32, dw: usize, pw: usize, pb: usize, out: usize, F: i32,
                             pad: i32, res: usize, relu: i32, scratch: usize, rows: i32): void {
  const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
  const outRow = <usize>Wo * <usize>F << 2;
  for (let oy = 0; oy < Ho; oy += rows) {
    const n = min(rows, Ho - oy);
    depthwise3x3_rows(inp, H, W, C, dw, 0, scratch, pad, oy, oy + n);
    pointwise_4x8(scratch, n * Wo, C, pw, pb, out + <usize>oy * outRow, F, res ? res + <usize>oy * outRow : 0, relu);
  }
}

// The same with the pointwise half on integers (a mixed program, src/quant/program.ts): the f32 depthwise rows
// quantized to u16 (q = clamp(round(x·inv + zero), 0, qmax), as quantize_a16), then pointwise_a16_f32 with
// pointwise_a16's weights (packPointwiseI16) and an f32 requantization block (acc·mul + add), the residual
// and ReLU fused. Output rows oy0..oy1−1 only (out and res are the whole tensors): two threads take a half
// each, with scratches of their own. scratch: rows·Wo·C floats, then rows·Wo·C u16 and 16 bytes.
export function separable3x3_a16(inp: usize, H: i32, W: i32, C: i32, dw: usize, pw: usize, q: usize, out: usize, F: i32, pad: i32,
                                 res: usize, relu: i32, scratch: usize, rows: i32, inv: f32, zero: i32, qmax: i32, oy0: i32, oy1: i32): void {
  const Wo = W - 2 + 2 * pad;
  const outRow = <usize>Wo * <usize>F << 2;
  const band = scratch + (<usize>rows * <usize>Wo * <usize>C << 2);
  for (let oy = oy0; oy < oy1; oy += rows) {
    const n = min(rows, oy1 - oy);
    depthwise3x3_rows(inp, H, W, C, dw, 0, scratch, pad, oy, oy + n);
    quantize_a16(scratch, n * Wo * C, inv, zero, qmax, band);
    pointwise_a16_f32(band, n * Wo, C, pw, q, out + <usize>oy * outRow, F, res ? res + <usize>oy * outRow : 0, relu);
  }
}
