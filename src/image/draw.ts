import { glyph, GLYPH_H, GLYPH_W } from "./font.js";

// Drawing on an RGBA image in place: rectangles and text labels for annotated output.

export interface RGBA {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export type Color = [number, number, number];

/** A filled rectangle, clipped to the image. */
export function fillRect(img: RGBA, x0: number, y0: number, w: number, h: number, c: Color): void {
  const x1 = Math.min(img.width, x0 + w), y1 = Math.min(img.height, y0 + h);
  for (let y = Math.max(0, y0); y < y1; y++)
    for (let x = Math.max(0, x0); x < x1; x++) {
      const i = (y * img.width + x) * 4;
      img.data[i] = c[0];
      img.data[i + 1] = c[1];
      img.data[i + 2] = c[2];
      img.data[i + 3] = 255;
    }
}

/** A rectangle outline of the given thickness inside the box [x, y, w, h]. */
export function drawBox(img: RGBA, [x, y, w, h]: readonly number[], c: Color, t = 2): void {
  fillRect(img, x, y, w, t, c);
  fillRect(img, x, y + h - t, w, t, c);
  fillRect(img, x, y, t, h, c);
  fillRect(img, x + w - t, y, t, h, c);
}

/** Text in the 5×7 font at pixel size `scale`, on a filled background, with its top-left at (x, y). */
export function drawLabel(img: RGBA, text: string, x: number, y: number, fg: Color, bg: Color, scale = 2): { width: number; height: number } {
  const pad = scale;
  const width = text.length * (GLYPH_W + 1) * scale + 2 * pad - scale, height = GLYPH_H * scale + 2 * pad;
  fillRect(img, x, y, width, height, bg);
  for (let i = 0; i < text.length; i++) {
    const rows = glyph(text[i]);
    for (let r = 0; r < GLYPH_H; r++)
      for (let col = 0; col < GLYPH_W; col++)
        if (rows[r] & (1 << (GLYPH_W - 1 - col))) fillRect(img, x + pad + (i * (GLYPH_W + 1) + col) * scale, y + pad + r * scale, scale, scale, fg);
  }
  return { width, height };
}
