import { colorOf } from "./draw-colors.js";

// Results drawn on a 2D canvas: a box per face, a "label 87%" tag above it (inside it at the top edge) and YuNet's
// five landmarks as dots, in the frame's pixels. Sizes follow the canvas, as annotate() sizes its drawing.

/** What drawResults uses of a CanvasRenderingContext2D or OffscreenCanvasRenderingContext2D. */
export interface CanvasLike {
  readonly canvas: { width: number; height: number };
  lineWidth: number;
  strokeStyle: unknown;
  fillStyle: unknown;
  font: string;
  textBaseline: string;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
}

/** A face as recognize() returns it; the percentage shown is probabilities[label]. */
export interface DrawableResult {
  box: readonly [number, number, number, number] | readonly number[];
  label: string;
  probabilities?: Readonly<Record<string, number>>;
  landmarks?: readonly (readonly [number, number])[] | readonly number[][];
}

/**
 * Draws each result on ctx over what is there (clear the canvas first for an overlay). The canvas should be the
 * frame's size: boxes are in frame pixels.
 */
export function drawResults(ctx: CanvasLike, results: readonly DrawableResult[]): void {
  const side = Math.min(ctx.canvas.width, ctx.canvas.height);
  const line = Math.max(2, Math.round(side / 200));
  const font = Math.max(14, Math.round(side / 28));
  ctx.font = `bold ${font}px system-ui, sans-serif`;
  ctx.textBaseline = "top";
  ctx.lineWidth = line;
  for (const r of results) {
    const [x, y, w, h] = r.box;
    const [cr, cg, cb] = colorOf(r.label);
    const color = `rgb(${cr}, ${cg}, ${cb})`;
    ctx.strokeStyle = color;
    // the stroke is centred on the path: inset by half a line so the whole box lies inside [x, x + w)
    ctx.strokeRect(x + line / 2, y + line / 2, w - line, h - line);
    const p = r.probabilities?.[r.label];
    const text = p === undefined ? r.label : `${r.label} ${Math.round(p * 100)}%`;
    const tw = ctx.measureText(text).width + 8, th = font + 6;
    const ty = y - th >= 0 ? y - th : y + line;
    ctx.fillStyle = color;
    ctx.fillRect(x, ty, tw, th);
    ctx.fillStyle = "#000";
    ctx.fillText(text, x + 4, ty + 3);
    ctx.fillStyle = color;
    for (const [lx, ly] of r.landmarks ?? []) ctx.fillRect(lx - line, ly - line, 2 * line, 2 * line);
  }
}
