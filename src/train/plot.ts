// A tiny line-plot rasteriser for the training curves, drawn into RGBA and written with pngjs (encodePng):
// two panels side by side, loss (left) and accuracy (right), one polyline a series over the epochs,
// horizontal grid lines labelled with a 3×5 pixel digit font. No fonts, no dependencies beyond pngjs.

import { encodePng } from "../image/png.js";

export interface Series {
  values: number[];
  /** RGB */
  color: [number, number, number];
}

const DIGITS: Record<string, string> = {
  "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
  "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
  "8": "111101111101111", "9": "111101111001111", ".": "000000000000010", "-": "000000111000000",
};

class Canvas {
  readonly data: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.data = new Uint8Array(width * height * 4).fill(255);
  }
  set(x: number, y: number, [r, g, b]: [number, number, number]): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.data[o] = r;
    this.data[o + 1] = g;
    this.data[o + 2] = b;
  }
  // a 2-pixel-thick line by stepping along the longer axis
  line(x0: number, y0: number, x1: number, y1: number, c: [number, number, number], thick = 2): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n, y = y0 + ((y1 - y0) * i) / n;
      for (let dy = 0; dy < thick; dy++) for (let dx = 0; dx < thick; dx++) this.set(x + dx, y + dy, c);
    }
  }
  text(x: number, y: number, s: string, c: [number, number, number], scale = 2): void {
    for (const ch of s) {
      const g = DIGITS[ch];
      if (g) for (let i = 0; i < 15; i++) if (g[i] === "1") for (let a = 0; a < scale; a++) for (let b = 0; b < scale; b++) this.set(x + (i % 3) * scale + a, y + Math.floor(i / 3) * scale + b, c);
      x += 4 * scale;
    }
  }
}

// x: epochs 1..epochs from the left axis to the right end; y: the series' range, 4 grid lines
function panel(cv: Canvas, x0: number, y0: number, w: number, h: number, series: Series[], epochs: number): void {
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  let min = all.length ? Math.min(...all) : 0, max = all.length ? Math.max(...all) : 1;
  if (!(max > min)) max = min + 1;
  const pad = 40, px = x0 + pad, py = y0 + 10, pw = w - pad - 10, ph = h - 30;
  const grey: [number, number, number] = [210, 210, 210], dark: [number, number, number] = [60, 60, 60];
  for (let i = 0; i <= 4; i++) {
    const v = min + ((max - min) * i) / 4, y = py + ph - (ph * i) / 4;
    cv.line(px, y, px + pw, y, grey, 1);
    cv.text(x0 + 2, y - 5, v.toFixed(max - min < 0.5 ? 3 : 2).slice(0, 5), dark);
  }
  cv.line(px, py, px, py + ph, dark, 1);
  cv.line(px, py + ph, px + pw, py + ph, dark, 1);
  const n = Math.max(2, epochs, ...series.map((s) => s.values.length));
  for (const s of series) {
    let prev: [number, number] | null = null;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return (prev = null);
      const x = px + (pw * i) / (n - 1), y = py + ph - (ph * (v - min)) / (max - min);
      if (prev) cv.line(prev[0], prev[1], x, y, s.color);
      cv.line(x - 2, y - 2, x - 2, y - 2, s.color, 5);
      prev = [x, y];
    });
  }
  cv.text(px + pw - 30, py + ph + 8, String(n), dark);
}

/** PNG bytes, 900×360: training loss per epoch (left, blue); accuracy per epoch (right: training blue, PublicTest red). */
export function plotCurves(h: { trainLoss: number[]; trainAcc: number[]; testAcc: number[] }, epochs = 0): Uint8Array {
  const W = 900, H = 360, cv = new Canvas(W, H);
  const blue: [number, number, number] = [31, 119, 180], red: [number, number, number] = [214, 39, 40];
  panel(cv, 0, 0, W / 2, H, [{ values: h.trainLoss, color: blue }], epochs);
  panel(cv, W / 2, 0, W / 2, H, [{ values: h.trainAcc, color: blue }, { values: h.testAcc, color: red }], epochs);
  return encodePng({ data: cv.data, width: W, height: H });
}
