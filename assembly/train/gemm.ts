import { madd } from "../nn/simd";
import { SCRATCH } from "./scratch";

// Matrix products for pointwise (1×1) convolutions and dense layers in training, on the plain row-major
// (Keras) weight layout W [C, F], so the optimiser can update the weights in place between steps with no
// re-packing. All three products of a layer go through the same register tiles (tileNxM below):
//   forward        Y[P,F]  = X[P,C]·W[C,F] + b          gemm_4x8(X, P, C, W, F, b, Y)
//   to input      dX[P,C]  = dY[P,F]·Wᵀ                 transpose W into scratch, then gemm_4x8
//   to weights    dW[C,F]  = Xᵀ·dY   (sum over pixels)  gemmAtB_4x8, blocked over pixels
//   to bias       dB[F]    = Σ_p dY[p,:]                colSum
//
// A tile computes out[r, j] for R rows × J columns (J a multiple of 4, in f32x4 lanes), reducing over
// `len` steps. At step s it reads A's value for each tile row (splat) and J contiguous values of B's row:
//   A value (row r, step s) at a + r·aRowStride + s·aStep
//   B values (step s)       at b + s·bStep, columns contiguous
//   output row r            at o + r·oRow, columns contiguous
// With aRowStride = K·4, aStep = 4 this is A·B (A row-major [M,K]); with aRowStride = 4, aStep = K·4 it is
// Aᵀ·B (A [P,K] read down its columns), which is how dW = Xᵀ·dY reuses the same code.
// The 4×8 tile keeps 8 accumulators + 2 B vectors + 1 splat = 11 of the 16 SIMD registers x86 has, and
// does 8 multiply-adds per 2 vector loads and 4 splats.
// Output init: bias (when bias != 0) or zero; with accumulate != 0 the existing output is added at the end.

// @ts-ignore: decorator
@inline function tile4x8(a: usize, aRowStride: usize, aStep: usize, b: usize, bStep: usize, len: i32,
                         o: usize, oRow: usize, bias: usize, accumulate: i32): void {
  let i0 = f32x4.splat(0), i1 = f32x4.splat(0);
  if (bias) { i0 = v128.load(bias); i1 = v128.load(bias, 16); }
  let a00 = i0, a01 = i1, a10 = i0, a11 = i1, a20 = i0, a21 = i1, a30 = i0, a31 = i1;
  const r1 = aRowStride, r2 = aRowStride << 1, r3 = aRowStride * 3;
  let pa = a, pb = b;
  for (let s = 0; s < len; s++) {
    const w0 = v128.load(pb), w1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    a00 = madd(x, w0, a00); a01 = madd(x, w1, a01);
    x = v128.load32_splat(pa + r1);
    a10 = madd(x, w0, a10); a11 = madd(x, w1, a11);
    x = v128.load32_splat(pa + r2);
    a20 = madd(x, w0, a20); a21 = madd(x, w1, a21);
    x = v128.load32_splat(pa + r3);
    a30 = madd(x, w0, a30); a31 = madd(x, w1, a31);
    pa += aStep;
    pb += bStep;
  }
  const o1 = o + oRow, o2 = o + (oRow << 1), o3 = o + oRow * 3;
  if (accumulate) {
    a00 = f32x4.add(a00, v128.load(o));  a01 = f32x4.add(a01, v128.load(o, 16));
    a10 = f32x4.add(a10, v128.load(o1)); a11 = f32x4.add(a11, v128.load(o1, 16));
    a20 = f32x4.add(a20, v128.load(o2)); a21 = f32x4.add(a21, v128.load(o2, 16));
    a30 = f32x4.add(a30, v128.load(o3)); a31 = f32x4.add(a31, v128.load(o3, 16));
  }
  v128.store(o, a00);  v128.store(o, a01, 16);
  v128.store(o1, a10); v128.store(o1, a11, 16);
  v128.store(o2, a20); v128.store(o2, a21, 16);
  v128.store(o3, a30); v128.store(o3, a31, 16);
}

// 4 rows × 4 columns: the column remainder when 4 ≤ N mod 8.
// @ts-ignore: decorator
@inline function tile4x4(a: usize, aRowStride: usize, aStep: usize, b: usize, bStep: usize, len: i32,
                         o: usize, oRow: usize, bias: usize, accumulate: i32): void {
  const i0 = bias ? v128.load(bias) : f32x4.splat(0);
  let a0 = i0, a1 = i0, a2 = i0, a3 = i0;
  const r1 = aRowStride, r2 = aRowStride << 1, r3 = aRowStride * 3;
  let pa = a, pb = b;
  for (let s = 0; s < len; s++) {
    const w = v128.load(pb);
    a0 = madd(v128.load32_splat(pa), w, a0);
    a1 = madd(v128.load32_splat(pa + r1), w, a1);
    a2 = madd(v128.load32_splat(pa + r2), w, a2);
    a3 = madd(v128.load32_splat(pa + r3), w, a3);
    pa += aStep;
    pb += bStep;
  }
  const o1 = o + oRow, o2 = o + (oRow << 1), o3 = o + oRow * 3;
  if (accumulate) {
    a0 = f32x4.add(a0, v128.load(o));
    a1 = f32x4.add(a1, v128.load(o1));
    a2 = f32x4.add(a2, v128.load(o2));
    a3 = f32x4.add(a3, v128.load(o3));
  }
  v128.store(o, a0); v128.store(o1, a1); v128.store(o2, a2); v128.store(o3, a3);
}

// 1 row × 8 columns: the row remainder (M mod 4).
// @ts-ignore: decorator
@inline function tile1x8(a: usize, aStep: usize, b: usize, bStep: usize, len: i32,
                         o: usize, bias: usize, accumulate: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  if (bias) { a0 = v128.load(bias); a1 = v128.load(bias, 16); }
  let pa = a, pb = b;
  for (let s = 0; s < len; s++) {
    const x = v128.load32_splat(pa);
    a0 = madd(x, v128.load(pb), a0);
    a1 = madd(x, v128.load(pb, 16), a1);
    pa += aStep;
    pb += bStep;
  }
  if (accumulate) { a0 = f32x4.add(a0, v128.load(o)); a1 = f32x4.add(a1, v128.load(o, 16)); }
  v128.store(o, a0);
  v128.store(o, a1, 16);
}

// 1 row × 4 columns.
// @ts-ignore: decorator
@inline function tile1x4(a: usize, aStep: usize, b: usize, bStep: usize, len: i32,
                         o: usize, bias: usize, accumulate: i32): void {
  let a0 = bias ? v128.load(bias) : f32x4.splat(0);
  let pa = a, pb = b;
  for (let s = 0; s < len; s++) {
    a0 = madd(v128.load32_splat(pa), v128.load(pb), a0);
    pa += aStep;
    pb += bStep;
  }
  if (accumulate) a0 = f32x4.add(a0, v128.load(o));
  v128.store(o, a0);
}

// 1 row × 1 column, scalar: the last N mod 4 columns (never more than 3, so no SIMD tile pays off).
// @ts-ignore: decorator
@inline function tile1x1(a: usize, aStep: usize, b: usize, bStep: usize, len: i32,
                         o: usize, bias: usize, accumulate: i32): void {
  let acc: f32 = bias ? load<f32>(bias) : 0;
  let pa = a, pb = b;
  for (let s = 0; s < len; s++) {
    acc += load<f32>(pa) * load<f32>(pb);
    pa += aStep;
    pb += bStep;
  }
  if (accumulate) acc += load<f32>(o);
  store<f32>(o, acc);
}

// Covers out[M, N] with tiles: 4 rows at a time (4×8, then 4×4, then scalar columns), then the remaining
// rows one at a time (1×8, 1×4, scalar). Rows outermost, so in A·B each block of 4 rows of A is read
// from memory once and reused from L1 for every column block, while B (a weight matrix, ≤ 96×96 floats
// in ResEZAP) stays in cache.
function gemmTiles(a: usize, aRowStride: usize, aStep: usize, M: i32, b: usize, bStep: usize, N: i32, len: i32,
                   bias: usize, o: usize, oRow: usize, accumulate: i32): void {
  const N8 = N & ~7;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const ar = a + <usize>i * aRowStride, orow = o + <usize>i * oRow;
    let j = 0;
    for (; j < N8; j += 8) {
      const jb = <usize>j << 2;
      tile4x8(ar, aRowStride, aStep, b + jb, bStep, len, orow + jb, oRow, bias ? bias + jb : 0, accumulate);
    }
    if (j + 4 <= N) {
      const jb = <usize>j << 2;
      tile4x4(ar, aRowStride, aStep, b + jb, bStep, len, orow + jb, oRow, bias ? bias + jb : 0, accumulate);
      j += 4;
    }
    for (; j < N; j++) {
      const jb = <usize>j << 2;
      for (let r = 0; r < 4; r++) {
        tile1x1(ar + <usize>r * aRowStride, aStep, b + jb, bStep, len, orow + <usize>r * oRow + jb, bias ? bias + jb : 0, accumulate);
      }
    }
  }
  for (; i < M; i++) {
    const ar = a + <usize>i * aRowStride, orow = o + <usize>i * oRow;
    let j = 0;
    for (; j < N8; j += 8) {
      const jb = <usize>j << 2;
      tile1x8(ar, aStep, b + jb, bStep, len, orow + jb, bias ? bias + jb : 0, accumulate);
    }
    if (j + 4 <= N) {
      const jb = <usize>j << 2;
      tile1x4(ar, aStep, b + jb, bStep, len, orow + jb, bias ? bias + jb : 0, accumulate);
      j += 4;
    }
    for (; j < N; j++) {
      const jb = <usize>j << 2;
      tile1x1(ar, aStep, b + jb, bStep, len, orow + jb, bias ? bias + jb : 0, accumulate);
    }
  }
}

// out[M, N] = a[M, K] · b[K, N] (+ bias[N] when bias != 0) (+ out when accumulate != 0). Row-major f32.
export function gemm_4x8(a: usize, M: i32, K: i32, b: usize, N: i32, bias: usize, out: usize, accumulate: i32): void {
  gemmTiles(a, <usize>K << 2, 4, M, b, <usize>N << 2, N, K, bias, out, <usize>N << 2, accumulate);
}

// Rows of A and B summed per block in gemmAtB_4x8: every tile of the output passes over the block, so the
// block's rows of X and dY (K + N floats each) should stay in L1 (32 KiB here, 24 KiB of it for them):
// 96 rows at 32 + 32 channels, 32 rows at 96 + 96; never under 16 or over 128 (each tile's 8 accumulators
// are loaded and stored once per block, ≤ 1/16 of its loads at 16 rows).
const ATB_L1_BYTES: i32 = 24 << 10;
// @ts-ignore: decorator
@inline function atbRows(K: i32, N: i32): i32 {
  return min(128, max(16, (ATB_L1_BYTES / ((K + N) << 2)) & ~7));
}
const ATB_ROWS: i32 = 128; // colSum's block

// out[K, N] = Σ_p a[p, k] · b[p, n], i.e. aᵀ·b for a [P, K], b [P, N] (+ out when accumulate != 0).
export function gemmAtB_4x8(a: usize, P: i32, K: i32, b: usize, N: i32, out: usize, accumulate: i32): void {
  if (!accumulate) memory.fill(out, 0, (<usize>K * <usize>N) << 2);
  const aRow = <usize>K << 2, bRow = <usize>N << 2;
  const rows = atbRows(K, N);
  for (let p0 = 0; p0 < P; p0 += rows) {
    const len = min(rows, P - p0);
    // the block's partial sums are added to out (accumulate = 1), so the blocks sum up
    gemmTiles(a + <usize>p0 * aRow, 4, aRow, K, b + <usize>p0 * bRow, bRow, N, len, 0, out, bRow, 1);
  }
}

// out[c] = Σ_p x[p, c] (+ out[c] when accumulate != 0). x [P, C]. Sums in f32, per block of ATB_ROWS rows
// first and then across blocks, so the rounding error grows with about 128 + P/128 terms, not P.
export function colSum(x: usize, P: i32, C: i32, out: usize, accumulate: i32): void {
  const px = <usize>C << 2;
  const C4 = C & ~3;
  if (!accumulate) memory.fill(out, 0, px);
  for (let p0 = 0; p0 < P; p0 += ATB_ROWS) {
    const p1 = min(P, p0 + ATB_ROWS);
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      let acc = f32x4.splat(0);
      for (let p = p0; p < p1; p++) acc = f32x4.add(acc, v128.load(x + <usize>p * px + cb));
      v128.store(out + cb, f32x4.add(v128.load(out + cb), acc));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      let acc: f32 = 0;
      for (let p = p0; p < p1; p++) acc += load<f32>(x + <usize>p * px + cb);
      store<f32>(out + cb, load<f32>(out + cb) + acc);
    }
  }
}

// out[C, R] = a[R, C]ᵀ. Plain loops: used on weight matrices (C·F values), never on activations.
export function transpose(a: usize, R: i32, C: i32, out: usize): void {
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      store<f32>(out + ((<usize>c * <usize>R + <usize>r) << 2), load<f32>(a + ((<usize>r * <usize>C + <usize>c) << 2)));
    }
  }
}

// Pointwise (1×1) convolution and dense layer, training layout.
//   x: [P, C] (P = N·H·W pixels of a batch, or N rows for a dense layer)
//   w: [C, F], Keras's [1,1,C,F] / dense [in,out] as stored
//   b: [F], or 0 for none
//   y: [P, F]
export function pointwiseForward_4x8(x: usize, P: i32, C: i32, w: usize, F: i32, b: usize, y: usize): void {
  gemm_4x8(x, P, C, w, F, b, y, 0);
}

// dX[P, C] = dY[P, F] · Wᵀ (+ dX when accumulate != 0: where a tensor feeds two layers, the second
// backward adds its share to the first's). W [C, F] is transposed into the module's scratch first
// (C·F ≤ scratchBytes()/4) so the product runs on the same 4×8 tile, vectorised over C.
// Under 4 input channels (ResEZAP's first layer has 1) the tiles would run scalar columns only; there each
// dx value is instead a dot product of two contiguous rows, dy[p, :] and w[c, :], in SIMD.
export function pointwiseBackwardInput_4x8(dy: usize, P: i32, F: i32, w: usize, C: i32, dx: usize, accumulate: i32): void {
  if (C < 4) {
    const rowF = <usize>F << 2;
    let o = dx, g = dy;
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < C; c++) {
        const v = dot(g, w + <usize>c * rowF, F);
        const q = o + (<usize>c << 2);
        store<f32>(q, accumulate ? load<f32>(q) + v : v);
      }
      o += <usize>C << 2;
      g += rowF;
    }
    return;
  }
  transpose(w, C, F, SCRATCH);
  gemm_4x8(dy, P, F, SCRATCH, C, 0, dx, accumulate);
}

// dW[C, F] = Xᵀ·dY and dB[F] = Σ_p dY[p, :] over every pixel of the batch (dB skipped when db = 0);
// with accumulate != 0 both are added to what dW, dB hold (gradient accumulation over micro-batches).
//   x: [P, C] the forward's input; dy: [P, F]
export function pointwiseBackwardWeights_4x8(x: usize, dy: usize, P: i32, C: i32, F: i32, dw: usize, db: usize, accumulate: i32): void {
  gemmAtB_4x8(x, P, C, dy, F, dw, accumulate);
  if (db) colSum(dy, P, F, db, accumulate);
}

// Σ a[i]·b[i] over len contiguous floats: 4 lanes, then the lanes and the last len mod 4 in scalar.
// @ts-ignore: decorator
@inline export function dot(a: usize, b: usize, len: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) acc = madd(v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)), acc);
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < len; i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
}
