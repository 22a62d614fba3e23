// The ABI of the network module's program runner, defined once for both sides: AssemblyScript imports this
// file (assembly/nn/program.ts), TypeScript imports it (src/engine/compile.ts and the layers). Keep it valid
// in both languages: const enums and integer constants only.
//
// A compiled program is a list of ops, OP_WORDS i32 words each: the opcode, then its arguments in the order
// listed beside it (pointers are byte addresses into the module's memory; "|0" marks an optional pointer).

export const OP_WORDS = 24;

export const enum Op {
  Pointwise = 1, // in, P, C, wPacked, bPacked, out, F, res|0, relu
  Depthwise = 2, // in, H, W, C, w[3,3,C], b, out, pad, relu  (3×3, stride 1, pad 0 valid or 1 same)
  Conv3x3 = 3, // in, H, W, C, wPacked, bPacked, out, F      (3×3 valid, stride 1; pad first for same)
  Relu = 4, // x, n, out
  Add = 5, // a, b, n, out, relu
  Affine = 6, // x, P, C, scale, shift, out
  Softmax = 7, // x, R, N, out
  ZeroPad = 8, // in, H, W, C, top, bottom, left, right, out
  Pool = 9, // in, H, W, C, kh, kw, sh, sw, padT, padL, Ho, Wo, out, mode (PoolMode bits)
  GlobalPool = 10, // in, P, C, out, mode (0 average, 1 max)
  Copy = 11, // src, dst, bytes
  Separable = 12, // in, H, W, C, dw, pwPacked, pbPacked, out, F, pad, res|0, relu, scratch, rows
  Conv = 13, // in, H, W, C, wPacked, bPacked, out, Ho, Wo, F, kh, kw, sh, sw, dh, dw, padT, padL, clamp|0
  DepthwiseConv = 14, // in, H, W, C, w[kh,kw,C], b[C], out, Ho, Wo, kh, kw, sh, sw, dh, dw, padT, padL, clamp|0
  Activation = 15, // x, n, out, kind (Act), params (f32[4])
  PRelu = 16, // x, P, C, alpha[C], out
  Binary = 17, // a, aDiv, aMod, b, bDiv, bMod, n, out, kind (BinaryKind): out[i] = a[(i/aDiv)%aMod] ∘ b[(i/bDiv)%bMod]
  BlockCopy = 18, // src, outer, srcInner, dst, dstInner, dstOffset: dst[o·dstInner + dstOffset + i] = src[o·srcInner + i]
  Crop = 19, // in, H, W, C, top, left, Ho, Wo, out
  ResizeNearest = 20, // in, H, W, C, out, Ho, Wo, ytab (i32[Ho] source rows), xtab (i32[Wo] source columns)
  ResizeBilinear = 21, // in, H, W, C, out, Ho, Wo, ytab, xtab (per entry i32 i0, i32 i1, f32 weight of i1)
  Transpose = 22, // in, out, n0, n1, n2, n3, s0, s1, s2, s3: out row-major over [n0..n3] from in at Σ index·stride (floats)
  // The integer path (src/quant/quantize.ts) on u16 activations (12-bit): "f" marks an f32 passed as its i32 bits.
  QQuantize = 23, // x (f32), n, inv f, zero, qmax, out (u16)
  QDequantize = 24, // q (u16), n, scale f, zero, out (f32)
  QDepthwise = 25, // in, H, W, C, zIn, wPacked, requant, out, Ho, Wo, stride, padT, padL, qmin, qmax  (3×3, int8 weights)
  QPointwise = 26, // in, P, C, wPacked, requant, out, F, qmin, qmax
  QAdd = 27, // a, za, ma f, b, zb, mb f, n, out, zOut, qmin, qmax
  QPool = 28, // in, H, W, C, zIn, padT, padL, Ho, Wo, m f, zOut, qmax, out  (2×2/2 average of the zero-padded image)
  // Separable with its depthwise in f32 and its pointwise on the u16 kernel, f32 in and out (a mixed program),
  // output rows oy0..oy1−1 of out:
  SeparableA16 = 29, // in, H, W, C, dw, pwPacked (i16), requant (f32 out), out, F, pad, res|0, relu, scratch, rows, inv f, zero, qmax, oy0, oy1
}

/** Pool's mode bits. */
export const POOL_MAX = 1; // else average
export const POOL_WHOLE_WINDOW = 2; // average divides by kh·kw (a fused ZeroPadding2D), else by the taps inside

/** Activation kinds of Op.Activation; params are f32[4], unused ones 0. */
export const enum Act {
  Relu = 1, // params max, slope, threshold: x ≥ max → max; x ≥ threshold → x; else slope·(x − threshold)
  Elu = 2, // alpha: x > 0 ? x : alpha·(eˣ − 1)
  Selu = 3, // alpha, scale: scale·(x > 0 ? x : alpha·(eˣ − 1))
  Sigmoid = 4,
  HardSigmoid = 5, // a, b: clamp(a·x + b, 0, 1)
  Tanh = 6,
  Swish = 7, // x·sigmoid(x)
  HardSwish = 8, // a, b: x·clamp(a·x + b, 0, 1)
  Softplus = 9, // ln(1 + eˣ)
  Gelu = 10, // x·Φ(x), with erf
  GeluTanh = 11, // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  Softsign = 12, // x / (1 + |x|)
  Mish = 13, // x·tanh(ln(1 + eˣ))
}

/** Element-wise kinds of Op.Binary. */
export const enum BinaryKind {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  Max = 4,
  Min = 5,
}
