// Plain float64 references for the element-wise, copy and resize kernels (assembly/nn/activation.ts,
// binary.ts, copy.ts, resize.ts). Written straight from the definitions: no vectors, no tables.
import { Act, BinaryKind } from "../abi/nn.js";

/** erfc x for any x, to about 1e-15 relative: a positive-term series of erf below 2, a continued fraction above. */
function erfcRef(x: number): number {
  if (x < 0) return 2 - erfcRef(-x);
  if (x < 2) return 1 - erfRef(x);
  // erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail
  let f = x;
  for (let k = 300; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** erf x: 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1)), all terms positive; 1 − erfc for |x| ≥ 2. */
function erfRef(x: number): number {
  if (x < 0) return -erfRef(-x);
  if (x >= 2) return 1 - erfcRef(x);
  let term = x, sum = x;
  for (let n = 1; n < 200 && term > 1e-18 * sum; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const clamp01 = (v: number) => Math.min(Math.max(v, 0), 1);

/** One activation of kind (Act) with params [p0, p1, p2, p3], as documented in src/abi/nn.ts. */
function activationScalarRef(v: number, kind: number, params: ArrayLike<number>): number {
  const p0 = params[0], p1 = params[1], p2 = params[2];
  switch (kind) {
    case Act.Relu:
      return v >= p0 ? p0 : v >= p2 ? v : p1 * (v - p2);
    case Act.Elu:
      return v > 0 ? v : p0 * Math.expm1(v);
    case Act.Selu:
      return p1 * (v > 0 ? v : p0 * Math.expm1(v));
    case Act.Sigmoid:
      return sigmoid(v);
    case Act.HardSigmoid:
      return clamp01(p0 * v + p1);
    case Act.Tanh:
      return Math.tanh(v);
    case Act.Swish:
      return v * sigmoid(v);
    case Act.HardSwish:
      return v * clamp01(p0 * v + p1);
    case Act.Softplus:
      return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    case Act.Gelu:
      return 0.5 * v * erfcRef(-v / Math.SQRT2);
    case Act.GeluTanh:
      return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
    case Act.Softsign:
      return v / (1 + Math.abs(v));
    case Act.Mish:
      return v * Math.tanh(Math.log1p(Math.exp(v)));
    default:
      throw new Error(`activationRef: unknown kind ${kind}`);
  }
}

/** out[i] = act(x[i]), float64. */
export function activationRef(x: ArrayLike<number>, kind: number, params: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = activationScalarRef(x[i], kind, params);
  return out;
}

/** x [P, C], alpha [C]: x ≥ 0 ? x : alpha[c]·x. */
export function preluRef(x: ArrayLike<number>, P: number, C: number, alpha: ArrayLike<number>): Float64Array {
  const out = new Float64Array(P * C);
  for (let p = 0; p < P; p++)
    for (let c = 0; c < C; c++) {
      const v = x[p * C + c];
      out[p * C + c] = v >= 0 ? v : alpha[c] * v;
    }
  return out;
}

/** out[i] = a[⌊i/aDiv⌋ mod aMod] ∘ b[⌊i/bDiv⌋ mod bMod] for i < n, ∘ a BinaryKind. */
export function binaryRef(a: ArrayLike<number>, aDiv: number, aMod: number, b: ArrayLike<number>, bDiv: number, bMod: number,
                          n: number, kind: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[Math.floor(i / aDiv) % aMod], y = b[Math.floor(i / bDiv) % bMod];
    switch (kind) {
      case BinaryKind.Add: out[i] = x + y; break;
      case BinaryKind.Sub: out[i] = x - y; break;
      case BinaryKind.Mul: out[i] = x * y; break;
      case BinaryKind.Div: out[i] = x / y; break;
      case BinaryKind.Max: out[i] = Math.max(x, y); break;
      case BinaryKind.Min: out[i] = Math.min(x, y); break;
      default: throw new Error(`binaryRef: unknown kind ${kind}`);
    }
  }
  return out;
}

/** Copies src [outer, srcInner] into dst [outer, dstInner] at column dstOffset (dst is modified and returned). */
export function blockCopyRef(src: ArrayLike<number>, outer: number, srcInner: number, dst: Float32Array, dstInner: number, dstOffset: number): Float32Array {
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < srcInner; i++) dst[o * dstInner + dstOffset + i] = src[o * srcInner + i];
  return dst;
}

/** in [H, W, C] → out [Ho, Wo, C] from (top, left). */
export function crop2dRef(x: ArrayLike<number>, H: number, W: number, C: number, top: number, left: number, Ho: number, Wo: number): Float32Array {
  const out = new Float32Array(Ho * Wo * C);
  for (let y = 0; y < Ho; y++)
    for (let xx = 0; xx < Wo; xx++)
      for (let c = 0; c < C; c++) out[(y * Wo + xx) * C + c] = x[((y + top) * W + xx + left) * C + c];
  return out;
}

/** out row-major over n[0..3], element (i0..i3) = x[Σ iₖ·sₖ]. */
export function transpose4Ref(x: ArrayLike<number>, n: readonly number[], s: readonly number[]): Float32Array {
  const out = new Float32Array(n[0] * n[1] * n[2] * n[3]);
  let o = 0;
  for (let i0 = 0; i0 < n[0]; i0++)
    for (let i1 = 0; i1 < n[1]; i1++)
      for (let i2 = 0; i2 < n[2]; i2++)
        for (let i3 = 0; i3 < n[3]; i3++) out[o++] = x[i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3]];
  return out;
}

export type CoordModeRef = "half_pixel" | "pytorch_half_pixel" | "align_corners" | "asymmetric" | "tf_half_pixel_for_nn";
export type NearestModeRef = "round_prefer_floor" | "round_prefer_ceil" | "floor" | "ceil";

/** ONNX Resize's coordinate transformation with scale = outSize/inSize, x_resized/scale written x·in/out. */
function onnxCoord(x: number, inSize: number, outSize: number, mode: CoordModeRef, scale = outSize / inSize): number {
  if (mode === "align_corners") return outSize === 1 ? 0 : (x * (inSize - 1)) / (outSize - 1);
  if (scale !== outSize / inSize) {
    if (mode === "asymmetric") return x / scale;
    if (mode === "pytorch_half_pixel" && outSize === 1) return 0;
    return mode === "tf_half_pixel_for_nn" ? (x + 0.5) / scale : (x + 0.5) / scale - 0.5;
  }
  if (mode === "asymmetric") return (x * inSize) / outSize;
  if (mode === "pytorch_half_pixel" && outSize === 1) return 0;
  // (x + ½)/scale, then − ½ except for tf_half_pixel_for_nn
  const c = ((x + 0.5) * 2 * inSize) / (2 * outSize);
  return mode === "tf_half_pixel_for_nn" ? c : c - 0.5;
}

function onnxNearest(v: number, mode: NearestModeRef): number {
  if (mode === "floor") return Math.floor(v);
  if (mode === "ceil") return Math.ceil(v);
  if (v === Math.floor(v) + 0.5) return mode === "round_prefer_floor" ? Math.floor(v) : Math.ceil(v);
  return Math.round(v);
}

/** Nearest resize, in [H, W, C] → [Ho, Wo, C]: the source index rounded, then clamped into the image; an axis
 * that keeps its size maps to itself. */
export function resizeNearestRef(x: ArrayLike<number>, H: number, W: number, C: number, Ho: number, Wo: number,
                                 coord: CoordModeRef, rounding: NearestModeRef, scales?: [number, number]): Float32Array {
  const out = new Float32Array(Ho * Wo * C);
  // an axis that keeps its size is not resampled (ONNX Runtime's rule)
  const src = (o: number, n: number, no: number, sc?: number) => (n === no ? o : Math.min(Math.max(onnxNearest(onnxCoord(o, n, no, coord, sc), rounding), 0), n - 1));
  for (let oy = 0; oy < Ho; oy++) {
    const sy = src(oy, H, Ho, scales?.[0]);
    for (let ox = 0; ox < Wo; ox++) {
      const sx = src(ox, W, Wo, scales?.[1]);
      for (let c = 0; c < C; c++) out[(oy * Wo + ox) * C + c] = x[(sy * W + sx) * C + c];
    }
  }
  return out;
}

/** Bilinear resize, in [H, W, C] → [Ho, Wo, C]: source coordinates clamped to [0, n − 1], then the four
 * neighbours weighted by the products of the per-axis weights. */
export function resizeBilinearRef(x: ArrayLike<number>, H: number, W: number, C: number, Ho: number, Wo: number, coord: CoordModeRef,
                                  scales?: [number, number]): Float64Array {
  const out = new Float64Array(Ho * Wo * C);
  for (let oy = 0; oy < Ho; oy++) {
    const y = Math.min(Math.max(onnxCoord(oy, H, Ho, coord, scales?.[0]), 0), H - 1);
    const y0 = Math.floor(y), y1 = Math.min(y0 + 1, H - 1), ty = y - y0;
    for (let ox = 0; ox < Wo; ox++) {
      const xs = Math.min(Math.max(onnxCoord(ox, W, Wo, coord, scales?.[1]), 0), W - 1);
      const x0 = Math.floor(xs), x1 = Math.min(x0 + 1, W - 1), tx = xs - x0;
      for (let c = 0; c < C; c++) {
        const v = (yy: number, xx: number) => x[(yy * W + xx) * C + c];
        out[(oy * Wo + ox) * C + c] = (1 - ty) * (1 - tx) * v(y0, x0) + (1 - ty) * tx * v(y0, x1) + ty * (1 - tx) * v(y1, x0) + ty * tx * v(y1, x1);
      }
    }
  }
  return out;
}
