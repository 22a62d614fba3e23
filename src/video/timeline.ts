import { colorOf } from "../draw-colors.js";
import { drawLabel, fillRect, type Color } from "../image/draw.js";
import { GLYPH_H, GLYPH_W } from "../image/font.js";
import { encodePng } from "../image/png.js";
import type { TrackSamples } from "./summary.js";

// `--timeline FILE.png`: one row per track, time running left to right, each analysed frame's span painted in its
// label's colour (the colours of the annotated video), a legend of the labels on top and a seconds axis below.

const PLOT_W = 720, ROW_H = 16, ROW_GAP = 6, SCALE = 2, MARGIN = 8;
const BG: Color = [255, 255, 255], INK: Color = [0, 0, 0], TRACK_BG: Color = [235, 235, 235];

const textW = (s: string) => s.length * (GLYPH_W + 1) * SCALE + SCALE;
const TEXT_H = GLYPH_H * SCALE + 2 * SCALE;

/** The picture as PNG bytes; `start` and `end` are the seconds the x axis spans. */
export function timelinePng(tracks: readonly TrackSamples[], labels: readonly string[], start: number, end: number): Uint8Array {
  const left = MARGIN + Math.max(textW("SEC"), textW("ID 0"), ...tracks.map((t) => textW(`ID ${t.track}`))) + MARGIN;
  const width = left + PLOT_W + MARGIN;
  // the legend, wrapped to the picture's width
  const legend: { label: string; x: number; y: number }[] = [];
  let lx = MARGIN, ly = MARGIN;
  for (const label of labels) {
    if (lx + textW(label) > width - MARGIN && lx > MARGIN) (lx = MARGIN), (ly += TEXT_H + 4);
    legend.push({ label, x: lx, y: ly });
    lx += textW(label) + 6;
  }
  const top = ly + TEXT_H + 2 * MARGIN;
  const axisY = top + tracks.length * (ROW_H + ROW_GAP);
  const height = axisY + 6 + TEXT_H + MARGIN;
  const img = { data: new Uint8Array(width * height * 4), width, height };
  fillRect(img, 0, 0, width, height, BG);
  for (const { label, x, y } of legend) drawLabel(img, label, x, y, INK, colorOf(label), SCALE);
  const span = Math.max(end - start, 1e-9);
  const xOf = (t: number) => left + Math.round(((t - start) / span) * PLOT_W);
  tracks.forEach((t, row) => {
    const y = top + row * (ROW_H + ROW_GAP);
    drawLabel(img, `ID ${t.track}`, MARGIN, y + (ROW_H - TEXT_H) / 2, INK, BG, SCALE);
    fillRect(img, left, y, PLOT_W, ROW_H, TRACK_BG);
    t.times.forEach((time, i) => {
      const x0 = xOf(time), x1 = Math.max(x0 + 1, xOf(time + t.spans[i]));
      fillRect(img, x0, y, Math.min(x1, left + PLOT_W) - x0, ROW_H, colorOf(labels[t.labels[i]]));
    });
  });
  // the axis: a line and about six round ticks, in seconds
  fillRect(img, left, axisY, PLOT_W, 1, INK);
  drawLabel(img, "SEC", MARGIN, axisY + 6, INK, BG, SCALE);
  const step = niceStep(span / 6);
  for (let s = Math.ceil(start / step) * step; s <= end + 1e-9; s += step) {
    const x = xOf(s), text = formatSeconds(s, step);
    fillRect(img, x, axisY, 1, 5, INK);
    drawLabel(img, text, Math.min(width - textW(text), Math.max(0, x - textW(text) / 2)), axisY + 6, INK, BG, SCALE);
  }
  return encodePng(img);
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

function formatSeconds(s: number, step: number): string {
  const digits = step >= 1 ? 0 : Math.ceil(-Math.log10(step));
  return s.toFixed(digits);
}
