// Opcodes of the program runner (assembly/nn/program.ts): must match its switch.
export const enum Op {
  Pointwise = 1, // in, P, C, wPacked, bPacked, out, F, res|0, relu
  Depthwise = 2, // in, H, W, C, w[3,3,C], b|0, out, pad
  Conv3x3 = 3, // in, H, W, C, wPacked, bPacked, out, F   (valid; pad first for same)
  Relu = 4, // x, n, out
  Add = 5, // a, b, n, out, relu
  Affine = 6, // x, P, C, scale, shift, out
  Softmax = 7, // x, R, N, out
  ZeroPad = 8, // in, H, W, C, top, bottom, left, right, out
  Pool = 9, // in, H, W, C, kh, kw, sh, sw, padT, padL, Ho, Wo, out, mode (bit 0 max, bit 1 average over the whole window)
  GlobalPool = 10, // in, P, C, out, mode
  Copy = 11, // src, dst, bytes
  Separable = 12, // in, H, W, C, dw, pwPacked, pbPacked, out, F, pad, res|0, relu, scratch, rows
}
export const OP_WORDS = 16;
