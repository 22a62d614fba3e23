// The band of f32 stage sums that cannot decide a stump stage (src/detect/jit.ts, assembly/haar/stage4.ts): both
// sum a stage's leaves in f32 — from R = f32(Σ right leaves), adding f32(left − right) for each stump that goes
// left — where OpenCV sums in f64. Each f32 rounding is at most 2^−24 of the value rounded, which is at most
// B = |R| + Σ|left − right|, so the f32 sum lies within (n + 2)·2^−24·B of the exact sum of the chosen leaves, and
// OpenCV's f64 sum within n·2^−53·B of it. A sum below `lo` is below the threshold, one at or above `hi` is not;
// between them the stage is evaluated again in f64.

/**
 * lo and hi for a stage of n = diffs.length stumps: R (f32), each stump's left − right (f32) and the threshold
 * (f32); NaN for both where B is beyond f32's range (a partial sum could overflow: no f32 sums then).
 * `scale` widens the band (tests).
 */
export function sumBand(rights: number, diffs: ArrayLike<number>, threshold: number, scale = 1): { lo: number; hi: number } {
  let b = Math.abs(rights);
  for (let i = 0; i < diffs.length; i++) b += Math.abs(diffs[i]);
  if (!Number.isFinite(Math.fround(b * 1.01))) return { lo: NaN, hi: NaN };
  const eps = ((diffs.length + 2) * 2 ** -24 * b * 1.01 + 1e-9) * scale;
  const lo = f32Below(threshold - eps), hi = f32Above(threshold + eps);
  return Number.isFinite(lo) && Number.isFinite(hi) ? { lo, hi } : { lo: NaN, hi: NaN };
}

/** The largest f32 ≤ x. */
export function f32Below(x: number): number {
  const r = Math.fround(x);
  return r <= x ? r : f32Step(r, -1);
}

/** The smallest f32 ≥ x. */
export function f32Above(x: number): number {
  const r = Math.fround(x);
  return r >= x ? r : f32Step(r, 1);
}

// The next f32 from v toward +∞ (dir 1) or −∞ (dir −1).
function f32Step(v: number, dir: 1 | -1): number {
  if (v === 0) return dir * 2 ** -149;
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, v);
  // toward +∞ a positive f32 grows its bits, a negative one shrinks them (and the reverse toward −∞)
  dv.setInt32(0, dv.getInt32(0) + (v > 0 ? 1 : -1) * dir);
  return dv.getFloat32(0);
}
