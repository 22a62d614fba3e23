import { depthwise3x3_rows } from "./depthwise";
import { pointwise_4x8 } from "./pointwise";

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
