// OpenCV's cvRound: round half to even (SSE2 cvtsd2si / lrint under the default rounding mode), which is
// not Math.round (half up). Detection boxes are built from cvRound of f32 and f64 products.
export function cvRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** cvRound of an f32 value (the product already rounded to f32 by the caller where OpenCV computes in float). */
export const f32 = Math.fround;
