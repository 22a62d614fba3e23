// Per-axis source tables for the resize kernels (assembly/nn/resize.ts), one table per axis, computed once
// at compile time. Coordinates follow ONNX Resize (sizes given, so scale = out/in exactly; with scales given,
// in/out below is 1/scale):
//   half_pixel            (x + ½)·in/out − ½
//   pytorch_half_pixel    the same, but 0 when out = 1
//   align_corners         x·(in − 1)/(out − 1), 0 when out = 1
//   asymmetric            x·in/out
//   tf_half_pixel_for_nn  (x + ½)·in/out
// The coordinates are exact (ONNX Runtime's float32 ones can land just below an integer: half_pixel 7 → 1
// gives 2.9999998 there, so floor picks row 2, and 3 here). Keras UpSampling2D(interpolation="nearest") is
// asymmetric + floor; TF's bilinear resize with half_pixel_centers is half_pixel (negative coordinates
// clamped to 0, as here), with align_corners is align_corners, and with neither is asymmetric.

export type CoordMode = "half_pixel" | "pytorch_half_pixel" | "align_corners" | "asymmetric" | "tf_half_pixel_for_nn";
export type NearestMode = "round_prefer_floor" | "round_prefer_ceil" | "floor" | "ceil";

/** The source coordinate of output index x, unclamped. Products of integers first, one division last, so a
 * coordinate that is exactly k + ½ is computed exactly and the rounding modes see their ties. */
function sourceCoord(x: number, inSize: number, outSize: number, coord: CoordMode, scale?: number): number {
  // ONNX Resize given scales (not sizes) maps by 1/scale, which differs from in/out when in·scale is not whole
  if (scale !== undefined && coord !== "align_corners") {
    const h = (x + 0.5) / scale;
    if (coord === "asymmetric") return x / scale;
    if (coord === "tf_half_pixel_for_nn") return h;
    if (coord === "pytorch_half_pixel" && outSize === 1) return 0;
    return h - 0.5;
  }
  switch (coord) {
    case "half_pixel":
      return ((2 * x + 1) * inSize) / (2 * outSize) - 0.5;
    case "pytorch_half_pixel":
      return outSize > 1 ? ((2 * x + 1) * inSize) / (2 * outSize) - 0.5 : 0;
    case "align_corners":
      return outSize > 1 ? (x * (inSize - 1)) / (outSize - 1) : 0;
    case "asymmetric":
      return (x * inSize) / outSize;
    case "tf_half_pixel_for_nn":
      return ((2 * x + 1) * inSize) / (2 * outSize);
  }
}

function roundCoord(v: number, rounding: NearestMode): number {
  const f = Math.floor(v), d = v - f;
  switch (rounding) {
    case "floor":
      return f;
    case "ceil":
      return Math.ceil(v);
    case "round_prefer_floor":
      return d > 0.5 ? f + 1 : f;
    case "round_prefer_ceil":
      return d >= 0.5 ? f + 1 : f;
  }
}

/** i32[outSize]: the source index of each output index, rounded by `rounding` and clamped to [0, inSize − 1].
 * An axis that keeps its size maps to itself, as in ONNX Runtime (the formula would shift it by one only for
 * tf_half_pixel_for_nn with ceil or round_prefer_ceil). */
export function nearestTable(inSize: number, outSize: number, coord: CoordMode, rounding: NearestMode, scale?: number): Int32Array {
  const t = new Int32Array(outSize);
  for (let x = 0; x < outSize; x++) {
    if (inSize === outSize) {
      t[x] = x;
      continue;
    }
    const i = roundCoord(sourceCoord(x, inSize, outSize, coord, scale), rounding);
    t[x] = Math.min(Math.max(i, 0), inSize - 1);
  }
  return t;
}

/** outSize entries of 12 bytes, (i32 i0, i32 i1, f32 t): the value at x is (1 − t)·v[i0] + t·v[i1]. The source
 * coordinate is clamped to [0, inSize − 1] first. Returned as a Float32Array whose i32 words share its buffer. */
export function linearTable(inSize: number, outSize: number, coord: CoordMode, scale?: number): Float32Array {
  const buf = new ArrayBuffer(12 * outSize);
  const f = new Float32Array(buf), i = new Int32Array(buf);
  for (let x = 0; x < outSize; x++) {
    const s = Math.min(Math.max(sourceCoord(x, inSize, outSize, coord, scale), 0), inSize - 1);
    const i0 = Math.floor(s);
    i[3 * x] = i0;
    i[3 * x + 1] = Math.min(i0 + 1, inSize - 1);
    f[3 * x + 2] = s - i0;
  }
  return f;
}
