import { cvRound, f32 } from "./round.js";

// The scales OpenCV 4.6 scans (CascadeClassifierImpl::detectMultiScaleNoGrouping): factor runs 1, s, s², … in
// f64 while the window cvRound(win·factor) fits the image; kept as f32; those whose window is within
// [minSize, maxSize] are used. When none is (minSize == maxSize off the grid), OpenCV scans the one scale whose
// window is nearest minSize; we do the same, except when minSize is larger than the image, where we return no
// scale (OpenCV would then scan its largest scale: a documented difference, see detector.ts).

export interface Scale {
  /** f32 scale factor */
  scale: number;
  /** size of the shrunk image */
  width: number;
  height: number;
  /** window step: 2 below scale 2, else 1 */
  step: number;
  /** detection box size in the original image */
  winW: number;
  winH: number;
}

const MAX_SCALES = 4096;

export function scaleList(
  imgW: number,
  imgH: number,
  winW: number,
  winH: number,
  scaleFactor: number,
  minSize: [number, number],
  maxSize: [number, number],
): Scale[] | "too-many" {
  if (imgW < winW || imgH < winH) return [];
  if (minSize[0] > imgW || minSize[1] > imgH) return [];
  const maxW = maxSize[0] === 0 || maxSize[1] === 0 ? imgW : maxSize[0];
  const maxH = maxSize[0] === 0 || maxSize[1] === 0 ? imgH : maxSize[1];
  const all: number[] = [];
  for (let factor = 1; ; factor *= scaleFactor) {
    if (cvRound(winW * factor) > imgW || cvRound(winH * factor) > imgH) break;
    all.push(f32(factor));
    if (all.length > MAX_SCALES) return "too-many";
  }
  const picked: number[] = [];
  for (const s of all) {
    const w = cvRound(f32(winW * s)), h = cvRound(f32(winH * s));
    if (w > maxW || h > maxH) break;
    if (w < minSize[0] || h < minSize[1]) continue;
    picked.push(s);
  }
  if (picked.length === 0 && all.length > 0) {
    let best = 0, bestD = Infinity;
    all.forEach((s, i) => {
      const w = cvRound(f32(winW * s)), h = cvRound(f32(winH * s));
      const d = (minSize[0] - w) ** 2 + (minSize[1] - h) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    picked.push(all[best]);
  }
  return picked.map((scale) => ({
    scale,
    // FeatureEvaluator::updateScaleData: cvRound(int / float) in f32.
    width: cvRound(f32(imgW / scale)),
    height: cvRound(f32(imgH / scale)),
    step: scale >= 2 ? 1 : 2,
    winW: cvRound(f32(winW * scale)),
    winH: cvRound(f32(winH * scale)),
  }));
}
