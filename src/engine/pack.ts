// Weight packing for the register-tiled kernels, done once at load (XNNPACK's approach): output channels
// are cut into blocks of 8 (two f32x4 accumulators), and each block's weights are laid out in the order
// the kernel's inner loop reads them, zero-padded past the last channel so the kernel never branches.

const BLOCK = 8;

/** The smallest normal f32: below it a value is subnormal. */
export const F32_MIN_NORMAL = 2 ** -126;

/**
 * The values with every subnormal one (|v| < 2^-126) made 0; `values` itself when it has none. A multiply
 * with a subnormal operand or result takes a microcode assist on x86 (tens of times slower), and WebAssembly
 * cannot set the CPU's flush-to-zero mode; trained models do have them (weight decay shrinks dead channels'
 * weights geometrically: 27 % of runs/fer-100's), and 0 changes no sum they feed by more than 2^-126.
 */
export function flushSubnormals(values: Float32Array): Float32Array {
  let out: Float32Array | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && Math.abs(v) < F32_MIN_NORMAL) (out ??= values.slice())[i] = 0;
  }
  return out ?? values;
}

function ceilTo(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** Keras pointwise/dense kernel [C, F] → per block of 8 outputs, [C][8]. Length ceil8(F)·C. */
export function packPointwise(w: Float32Array, C: number, F: number): Float32Array {
  const blocks = Math.ceil(F / BLOCK);
  const out = new Float32Array(blocks * C * BLOCK);
  for (let fb = 0; fb < blocks; fb++)
    for (let c = 0; c < C; c++)
      for (let j = 0; j < BLOCK; j++) {
        const f = fb * BLOCK + j;
        if (f < F) out[(fb * C + c) * BLOCK + j] = w[c * F + f];
      }
  return out;
}

/** Keras conv kernel [3, 3, C, F] → per block of 8 outputs, [9 taps][C][8]. */
export function packConv3x3(w: Float32Array, C: number, F: number): Float32Array {
  const blocks = Math.ceil(F / BLOCK);
  const out = new Float32Array(blocks * 9 * C * BLOCK);
  for (let fb = 0; fb < blocks; fb++)
    for (let t = 0; t < 9; t++)
      for (let c = 0; c < C; c++)
        for (let j = 0; j < BLOCK; j++) {
          const f = fb * BLOCK + j;
          if (f < F) out[((fb * 9 + t) * C + c) * BLOCK + j] = w[(t * C + c) * F + f];
        }
  return out;
}

/** Bias [F] (or none) zero-padded to ceil8(F). */
export function packBias(b: Float32Array | null, F: number): Float32Array {
  const out = new Float32Array(ceilTo(F, BLOCK));
  if (b) out.set(b.subarray(0, F));
  return out;
}

/** Keras conv kernel [kh, kw, C, F] → per block of 8 outputs, [kh][kw][C][8]. Length ceil8(F)·kh·kw·C. */
export function packConv(w: Float32Array, kh: number, kw: number, C: number, F: number): Float32Array {
  const blocks = Math.ceil(F / BLOCK), K = kh * kw * C;
  const out = new Float32Array(blocks * K * BLOCK);
  for (let fb = 0; fb < blocks; fb++)
    for (let k = 0; k < K; k++)
      for (let j = 0; j < BLOCK; j++) {
        const f = fb * BLOCK + j;
        if (f < F) out[(fb * K + k) * BLOCK + j] = w[k * F + f];
      }
  return out;
}

/**
 * A per-channel vector repeated to a whole number of f32x4 vectors (lcm(C, 4) values), for element-wise kernels
 * that index it by position modulo its length: with C = 3 (RGB) they would otherwise run their scalar tails on
 * every pixel; with the tiled vector, modulo lcm(C, 4), they run as vectors and compute the same values.
 * Returns the vector itself when C is already a multiple of 4.
 */
export function tileToVectors(v: Float32Array): Float32Array {
  const C = v.length;
  if (C % 4 === 0) return v;
  const L = C % 2 === 0 ? 2 * C : 4 * C;
  const out = new Float32Array(L);
  for (let i = 0; i < L; i++) out[i] = v[i % C];
  return out;
}
