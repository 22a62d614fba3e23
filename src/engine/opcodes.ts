// Opcodes of the program runner (assembly/nn/program.ts): must match its switch.
export const enum Op {
  Pointwise = 1, // in, P, C, wPacked, bPacked, out, F
  Depthwise = 2, // in, H, W, C, w[3,3,C], b|0, out, pad
  Conv3x3 = 3, // in, H, W, C, wPacked, bPacked, out, F   (valid; pad first for same)
  Relu = 4, // x, n, out
  Add = 5, // a, b, n, out, relu
  Affine = 6, // x, P, C, scale, shift, out
  Softmax = 7, // x, R, N, out
  ZeroPad = 8, // in, H, W, C, top, bottom, left, right, out
  Pool = 9, // in, H, W, C, kh, kw, sh, sw, padT, padL, Ho, Wo, out, mode(0 avg, 1 max)
  GlobalPool = 10, // in, P, C, out, mode
  Copy = 11, // src, dst, bytes
}
export const OP_WORDS = 16;
