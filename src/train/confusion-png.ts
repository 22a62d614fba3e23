// The confusion matrix as a PNG that reads on its own: a title with the face count and accuracy, the class
// names on both axes under the axis titles, and in each cell its count and its share of the true class, the
// cell shaded by that share. Text is the 5×7 bitmap font (src/image/font.ts) at twice its size.

import { drawLabel, fillRect, type Color, type RGBA } from "../image/draw.js";
import { glyph, GLYPH_H, GLYPH_W } from "../image/font.js";
import { encodePng } from "../image/png.js";

/** Pixel size of the font in the names, counts and axis titles; the title is one step larger. */
export const TEXT_SCALE = 2;
const TITLE_SCALE = 3, MARGIN = 16, GAP = 8, CELL_H = 56;
const WHITE: Color = [255, 255, 255], BLACK: Color = [0, 0, 0], GRID: Color = [170, 170, 170];
/** The shade of a cell whose count is the whole row (matplotlib's "Blues" at its dark end). */
const FULL: Color = [8, 48, 107];
const CAPTION = "SHADE AND PERCENT: SHARE OF THE TRUE CLASS";
/** the summary line's longest form: "N FACES   ACCURACY 100.0%" with a 9-digit N */
const SUMMARY_MAX = 34;

/** Width and height of drawLabel's box for text of n characters at the given scale. */
export function labelSize(n: number, scale = TEXT_SCALE): { width: number; height: number } {
  return { width: n * (GLYPH_W + 1) * scale + scale, height: (GLYPH_H + 2) * scale };
}

export interface ConfusionLayout {
  width: number;
  height: number;
  /** the cells' top-left corner and each cell's size */
  gridX: number;
  gridY: number;
  cellW: number;
  cellH: number;
  /** left edge of the row names (right-aligned to gridX - GAP) and top of the column names */
  rowNamesX: number;
  colNamesY: number;
}

/** Where everything goes for K classes with these names; the cells are wide enough for the longest name. */
export function confusionLayout(names: readonly string[]): ConfusionLayout {
  const longest = Math.max(...names.map((n) => n.length), "100.0%".length);
  const nameW = labelSize(longest).width, lineH = labelSize(1).height;
  const cellW = nameW + GAP, cellH = CELL_H, K = names.length;
  const rowNamesX = MARGIN + lineH + GAP, gridX = rowNamesX + nameW + GAP;
  const colNamesY = MARGIN + labelSize(1, TITLE_SCALE).height + GAP + lineH + GAP + lineH + GAP;
  const gridY = colNamesY + lineH + GAP;
  const caption = labelSize(CAPTION.length).width, summary = labelSize(SUMMARY_MAX).width;
  const width = Math.max(gridX + K * cellW, gridX + caption, MARGIN + summary) + MARGIN;
  return { width, height: gridY + K * cellH + GAP + lineH + MARGIN, gridX, gridY, cellW, cellH, rowNamesX, colNamesY };
}

/** The fill of a cell holding `share` (0..1) of its row: white to FULL. */
export function shade(share: number): Color {
  return WHITE.map((w, i) => Math.round(w + (FULL[i] - w) * share)) as Color;
}

// text on its own background, centred on x
function centred(img: RGBA, text: string, cx: number, y: number, fg: Color, bg: Color, scale = TEXT_SCALE): void {
  drawLabel(img, text, Math.round(cx - labelSize(text.length, scale).width / 2), y, fg, bg, scale);
}

// text turned a quarter left (read bottom to top), its box's top-left at (x, y)
function drawUpwards(img: RGBA, text: string, x: number, y: number, fg: Color, scale = TEXT_SCALE): void {
  const len = labelSize(text.length, scale).width;
  for (let i = 0; i < text.length; i++) {
    const rows = glyph(text[i]);
    for (let r = 0; r < GLYPH_H; r++)
      for (let col = 0; col < GLYPH_W; col++)
        if (rows[r] & (1 << (GLYPH_W - 1 - col))) fillRect(img, x + scale + r * scale, y + len - scale - (i * (GLYPH_W + 1) + col + 1) * scale, scale, scale, fg);
  }
}

/**
 * PNG bytes of confusion[true][predicted] with the class names: rows are the true class, columns the
 * prediction; each cell shows its count and its percentage of the row, and is shaded by that percentage.
 */
export function confusionPng(confusion: readonly (readonly number[])[], names: readonly string[]): Uint8Array {
  const K = confusion.length;
  if (names.length !== K) throw new RangeError(`confusionPng: ${names.length} class names for a ${K}×${K} matrix`);
  if (confusion.some((row) => row.length !== K)) throw new RangeError(`confusionPng: confusion must be ${K}×${K} (one row and column per class)`);
  const L = confusionLayout(names), lineH = labelSize(1).height;
  const img: RGBA = { data: new Uint8Array(L.width * L.height * 4), width: L.width, height: L.height };
  fillRect(img, 0, 0, L.width, L.height, WHITE);

  const n = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = confusion.reduce((a, row, t) => a + row[t], 0);
  drawLabel(img, "CONFUSION MATRIX", MARGIN - TITLE_SCALE, MARGIN, BLACK, WHITE, TITLE_SCALE);
  const summary = `${n} FACES   ACCURACY ${n ? ((100 * correct) / n).toFixed(1) + "%" : "-"}`;
  drawLabel(img, summary, MARGIN - TEXT_SCALE, MARGIN + labelSize(1, TITLE_SCALE).height + GAP, BLACK, WHITE);

  const gridW = K * L.cellW, gridH = K * L.cellH;
  centred(img, "PREDICTED", L.gridX + gridW / 2, L.colNamesY - lineH - GAP, BLACK, WHITE);
  drawUpwards(img, "TRUE", MARGIN, Math.round(L.gridY + gridH / 2 - labelSize(4).width / 2), BLACK);
  for (let c = 0; c < K; c++) {
    centred(img, names[c], L.gridX + (c + 0.5) * L.cellW, L.colNamesY, BLACK, WHITE);
    const w = labelSize(names[c].length).width;
    drawLabel(img, names[c], L.gridX - GAP - w, L.gridY + c * L.cellH + (L.cellH - lineH) / 2, BLACK, WHITE, TEXT_SCALE);
  }

  for (let t = 0; t < K; t++) {
    const sum = confusion[t].reduce((a, b) => a + b, 0);
    for (let q = 0; q < K; q++) {
      const share = sum ? confusion[t][q] / sum : 0, bg = shade(share), fg = share > 0.5 ? WHITE : BLACK;
      const x = L.gridX + q * L.cellW, y = L.gridY + t * L.cellH, cx = x + L.cellW / 2;
      fillRect(img, x, y, L.cellW, L.cellH, bg);
      centred(img, String(confusion[t][q]), cx, y + L.cellH / 2 - lineH, fg, bg);
      centred(img, sum ? `${(100 * share).toFixed(1)}%` : "-", cx, y + L.cellH / 2, fg, bg);
    }
  }
  // grid lines over the cells, then the caption saying what the shade means
  for (let i = 0; i <= K; i++) {
    fillRect(img, L.gridX, L.gridY + i * L.cellH, gridW + 1, 1, GRID);
    fillRect(img, L.gridX + i * L.cellW, L.gridY, 1, gridH + 1, GRID);
  }
  drawLabel(img, CAPTION, L.gridX - TEXT_SCALE, L.gridY + gridH + GAP, BLACK, WHITE);
  return encodePng(img);
}
