import type { GreyImage } from "./types.js";

// Resizing a grey region to the network's input. The filter is area averaging (OpenCV's INTER_AREA) when
// shrinking, which is what a face crop almost always needs: each output pixel is the mean of the source
// pixels it covers, weighted by the covered fraction, so no detail aliases. When growing (a crop smaller
// than the output), it is bilinear with pixel centres aligned (OpenCV's INTER_LINEAR, half-pixel offset).
// Output is float in [0, 1] (grey / 255), the network's scaling.

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Resizes rect of img (clipped to the image: pixels outside repeat the nearest edge) to outW×outH, scaled by 1/255. */
export function resizeToFloat(img: GreyImage, rect: Rect, outW: number, outH: number, out: Float32Array = new Float32Array(outW * outH)): Float32Array {
  const sx = rect.w / outW, sy = rect.h / outH;
  if (sx >= 1 && sy >= 1) areaResize(img, rect, outW, outH, sx, sy, out);
  else bilinearResize(img, rect, outW, outH, sx, sy, out);
  return out;
}

function px(img: GreyImage, x: number, y: number): number {
  const cx = x < 0 ? 0 : x >= img.width ? img.width - 1 : x;
  const cy = y < 0 ? 0 : y >= img.height ? img.height - 1 : y;
  return img.data[cy * img.width + cx];
}

// Per axis, the list of (source index, weight) pairs of each output pixel for area averaging: output o covers
// source [start + o·scale, start + (o + 1)·scale); its pairs are idx/w[off[o]..off[o + 1]).
export function areaWeights(start: number, scale: number, n: number): { idx: number[]; w: number[]; off: number[] } {
  const idx: number[] = [], w: number[] = [], off: number[] = [0];
  for (let o = 0; o < n; o++) {
    const a = start + o * scale, b = a + scale;
    for (let s = Math.floor(a); s < b; s++) {
      const lo = Math.max(a, s), hi = Math.min(b, s + 1);
      if (hi > lo) {
        idx.push(s);
        w.push((hi - lo) / scale);
      }
    }
    off.push(idx.length);
  }
  return { idx, w, off };
}

function areaResize(img: GreyImage, r: Rect, outW: number, outH: number, sx: number, sy: number, out: Float32Array): void {
  const X = areaWeights(r.x, sx, outW), Y = areaWeights(r.y, sy, outH);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let acc = 0;
      for (let j = Y.off[oy]; j < Y.off[oy + 1]; j++) {
        let row = 0;
        for (let i = X.off[ox]; i < X.off[ox + 1]; i++) row += X.w[i] * px(img, X.idx[i], Y.idx[j]);
        acc += Y.w[j] * row;
      }
      out[oy * outW + ox] = acc / 255;
    }
  }
}

function bilinearResize(img: GreyImage, r: Rect, outW: number, outH: number, sx: number, sy: number, out: Float32Array): void {
  for (let oy = 0; oy < outH; oy++) {
    const fy = r.y + (oy + 0.5) * sy - 0.5;
    const y0 = Math.floor(fy), ty = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const fx = r.x + (ox + 0.5) * sx - 0.5;
      const x0 = Math.floor(fx), tx = fx - x0;
      const top = px(img, x0, y0) * (1 - tx) + px(img, x0 + 1, y0) * tx;
      const bot = px(img, x0, y0 + 1) * (1 - tx) + px(img, x0 + 1, y0 + 1) * tx;
      out[oy * outW + ox] = (top * (1 - ty) + bot * ty) / 255;
    }
  }
}
