// The eval --confusion picture (src/train/confusion-png.ts): a PNG that decodes, with each count, the class
// names and the axis titles found as text where they belong, and cells shaded in the order of their row shares.
import { describe, expect, it } from "vitest";
import { drawLabel } from "../src/image/draw.js";
import { decodePng } from "../src/image/png.js";
import { confusionLayout, confusionPng, TEXT_SCALE } from "../src/train/confusion-png.js";
import { EMOTIONS } from "../src/resezap.js";

const names = [...EMOTIONS];
// rows: true class; a different count in every cell of row 3 so a misplaced number shows
const M = names.map((_, t) => names.map((_, q) => (t === q ? 40 + t : t === 3 ? 17 * q + 1 : (t + 2 * q) % 5)));

type Img = { data: Uint8Array; width: number; height: number };

// text's ink as a mask, in the font at TEXT_SCALE, optionally turned a quarter left (as the row axis title)
function inkOf(text: string, upwards = false): { w: number; h: number; on: boolean[] } {
  const img = { data: new Uint8Array(600 * 40 * 4), width: 600, height: 40 };
  const { width, height } = drawLabel(img, text, 0, 0, [255, 255, 255], [0, 0, 0], TEXT_SCALE);
  const at = (x: number, y: number) => img.data[(y * img.width + x) * 4] === 255;
  if (!upwards) return { w: width, h: height, on: Array.from({ length: width * height }, (_, i) => at(i % width, Math.floor(i / width))) };
  // turned left: (x, y) of the turned picture is (width - 1 - y, x) of the upright one
  return { w: height, h: width, on: Array.from({ length: width * height }, (_, i) => at(width - 1 - Math.floor(i / height), i % height)) };
}

// is text drawn, as ink differing from the background at its top-left corner, somewhere inside the box, as a whole
// word: blank for two font pixels beyond its box on either side, so "1" is not found inside "18"
function findText(img: Img, text: string, [x0, y0, w, h]: number[], upwards = false): boolean {
  const t = inkOf(text, upwards), m = upwards ? 0 : 2 * TEXT_SCALE;
  const px = (x: number, y: number) => img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3).join();
  for (let y = y0; y + t.h <= y0 + h; y++)
    for (let x = x0; x + t.w <= x0 + w; x++) {
      const bg = px(x, y);
      let ok = true;
      for (let i = 0; ok && i < t.on.length; i++) ok = (px(x + (i % t.w), y + Math.floor(i / t.w)) !== bg) === t.on[i];
      for (let yy = y; ok && yy < y + t.h; yy++)
        for (let d = 1; ok && d <= m; d++) ok = (x - d < 0 || px(x - d, yy) === bg) && (x + t.w - 1 + d >= img.width || px(x + t.w - 1 + d, yy) === bg);
      if (ok) return true;
    }
  return false;
}

describe("confusion matrix PNG", () => {
  const img = decodePng(confusionPng(M, names), "confusion.png") as Img;
  const L = confusionLayout(names);
  const cell = (t: number, q: number) => [L.gridX + q * L.cellW, L.gridY + t * L.cellH, L.cellW, L.cellH];

  it("decodes to the laid-out size, wide enough for every column name", () => {
    expect([img.width, img.height]).toEqual([L.width, L.height]);
    expect(L.cellW).toBeGreaterThanOrEqual(inkOf("SURPRISE").w);
    expect(img.width).toBeGreaterThanOrEqual(L.gridX + 7 * L.cellW);
    expect(img.height).toBeGreaterThanOrEqual(L.gridY + 7 * L.cellH);
  });

  it("writes each cell's count and row percentage in that cell and nowhere else in its row", () => {
    for (let q = 0; q < 7; q++) {
      expect(findText(img, String(M[3][q]), cell(3, q)), `count of cell (3, ${q})`).toBe(true);
      expect(findText(img, String(M[3][q]), cell(3, (q + 1) % 7)), `count of cell (3, ${q}) beside it`).toBe(false);
    }
    const row3 = M[3].reduce((a, b) => a + b, 0);
    expect(findText(img, `${((100 * M[3][3]) / row3).toFixed(1)}%`, cell(3, 3))).toBe(true);
    expect(findText(img, `${((100 * M[0][0]) / M[0].reduce((a, b) => a + b, 0)).toFixed(1)}%`, cell(0, 0))).toBe(true);
  });

  it("names the classes on both axes and titles the axes", () => {
    for (let c = 0; c < 7; c++) {
      expect(findText(img, names[c], [0, L.gridY + c * L.cellH, L.gridX, L.cellH]), `row name ${names[c]}`).toBe(true);
      expect(findText(img, names[c], [L.gridX + c * L.cellW, 0, L.cellW, L.gridY]), `column name ${names[c]}`).toBe(true);
    }
    expect(findText(img, "PREDICTED", [L.gridX, 0, img.width - L.gridX, L.gridY])).toBe(true);
    expect(findText(img, "TRUE", [0, L.gridY, L.rowNamesX, img.height - L.gridY], true)).toBe(true);
    expect(findText(img, "TRUE", [0, L.gridY, L.rowNamesX, img.height - L.gridY])).toBe(false);
    const n = M.flat().reduce((a, b) => a + b, 0);
    expect(findText(img, `${n} FACES`, [0, 0, img.width, L.colNamesY])).toBe(true);
  });

  it("shades a cell darker the larger its share of the true class", () => {
    const lightness = (t: number, q: number) => {
      const [x, y] = cell(t, q), o = ((y + 2) * img.width + x + 2) * 4;
      return img.data[o] + img.data[o + 1] + img.data[o + 2];
    };
    const cells = names.flatMap((_, t) => names.map((_, q) => ({ t, q, share: M[t][q] / M[t].reduce((a, b) => a + b, 0) })));
    cells.sort((a, b) => a.share - b.share);
    // shades are whole numbers, so shares closer than a step of one may tie
    for (let i = 1; i < cells.length; i++) {
      const [a, b] = [cells[i - 1], cells[i]], what = `cell (${b.t}, ${b.q}) vs (${a.t}, ${a.q})`;
      expect(lightness(b.t, b.q), what).toBeLessThanOrEqual(lightness(a.t, a.q));
      if (b.share > a.share + 0.01) expect(lightness(b.t, b.q), what).toBeLessThan(lightness(a.t, a.q));
    }
  });

  it("refuses names that do not match the matrix, naming the counts", () => {
    expect(() => confusionPng(M, names.slice(1))).toThrow(/6 class names for a 7×7 matrix/);
  });
});
