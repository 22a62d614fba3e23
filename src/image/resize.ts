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

/**
 * Resizes rect of img to outW×outH, scaled by 1/255, as resizing a copy of the rect alone would: a sample past
 * the rect's edge (or the image's, where the rect reaches past it) repeats the nearest edge pixel.
 */
export function resizeToFloat(img: GreyImage, rect: Rect, outW: number, outH: number, out: Float32Array = new Float32Array(outW * outH)): Float32Array {
  const sx = rect.w / outW, sy = rect.h / outH;
  const c: Clip = {
    x0: Math.max(0, Math.floor(rect.x)), x1: Math.min(img.width, Math.ceil(rect.x + rect.w)) - 1,
    y0: Math.max(0, Math.floor(rect.y)), y1: Math.min(img.height, Math.ceil(rect.y + rect.h)) - 1,
  };
  if (sx >= 1 && sy >= 1) areaResize(img, c, rect, outW, outH, sx, sy, out);
  else bilinearResize(img, c, rect, outW, outH, sx, sy, out);
  return out;
}

/** The pixels a resize may read: the rect within the image, first and last column and row. */
interface Clip {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function px(img: GreyImage, c: Clip, x: number, y: number): number {
  const cx = x < c.x0 ? c.x0 : x > c.x1 ? c.x1 : x;
  const cy = y < c.y0 ? c.y0 : y > c.y1 ? c.y1 : y;
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

function areaResize(img: GreyImage, c: Clip, r: Rect, outW: number, outH: number, sx: number, sy: number, out: Float32Array): void {
  const X = areaWeights(r.x, sx, outW), Y = areaWeights(r.y, sy, outH);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let acc = 0;
      for (let j = Y.off[oy]; j < Y.off[oy + 1]; j++) {
        let row = 0;
        for (let i = X.off[ox]; i < X.off[ox + 1]; i++) row += X.w[i] * px(img, c, X.idx[i], Y.idx[j]);
        acc += Y.w[j] * row;
      }
      out[oy * outW + ox] = acc / 255;
    }
  }
}

function bilinearResize(img: GreyImage, c: Clip, r: Rect, outW: number, outH: number, sx: number, sy: number, out: Float32Array): void {
  for (let oy = 0; oy < outH; oy++) {
    const fy = r.y + (oy + 0.5) * sy - 0.5;
    const y0 = Math.floor(fy), ty = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const fx = r.x + (ox + 0.5) * sx - 0.5;
      const x0 = Math.floor(fx), tx = fx - x0;
      const top = px(img, c, x0, y0) * (1 - tx) + px(img, c, x0 + 1, y0) * tx;
      const bot = px(img, c, x0, y0 + 1) * (1 - tx) + px(img, c, x0 + 1, y0 + 1) * tx;
      out[oy * outW + ox] = (top * (1 - ty) + bot * ty) / 255;
    }
  }
}
