// A fake webcam for Chromium (--use-file-for-fake-video-capture): a YUV4MPEG2 file, 640×480, 4:2:0, made from
// a photo letterboxed onto the frame. A few frames, each shifted a little, so the "video" moves; Chromium
// loops the file. BT.601 limited range, which is what Chromium assumes for I420 camera frames.
import { readFileSync, writeFileSync } from "node:fs";
import { PNG } from "pngjs";

interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The photo scaled (bilinear) to fit w×h, centred on black, shifted dx pixels. */
export function letterbox(src: Rgba, w: number, h: number, dx = 0): Uint8Array {
  const s = Math.min(w / src.width, h / src.height);
  const sw = Math.round(src.width * s), sh = Math.round(src.height * s);
  const ox = ((w - sw) >> 1) + dx, oy = (h - sh) >> 1;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < sh; y++) {
    const fy = Math.min(src.height - 1, Math.max(0, (y + 0.5) / s - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(src.height - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < sw; x++) {
      const X = x + ox, Y = y + oy;
      if (X < 0 || X >= w || Y < 0 || Y >= h) continue;
      const fx = Math.min(src.width - 1, Math.max(0, (x + 0.5) / s - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(src.width - 1, x0 + 1), wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => src.data[(yy * src.width + xx) * 4 + c];
        const v = (p(y0, x0) * (1 - wx) + p(y0, x1) * wx) * (1 - wy) + (p(y1, x0) * (1 - wx) + p(y1, x1) * wx) * wy;
        out[(Y * w + X) * 3 + c] = Math.round(v);
      }
    }
  }
  return out;
}

/** RGB → one I420 frame (Y plane, then U and V at half resolution), BT.601 limited range. */
export function rgbToI420(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array((w * h * 3) / 2);
  const U = w * h, V = U + (w * h) / 4;
  const clamp = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
  for (let i = 0; i < w * h; i++) {
    const r = rgb[i * 3], g = rgb[i * 3 + 1], b = rgb[i * 3 + 2];
    out[i] = clamp(16 + 0.257 * r + 0.504 * g + 0.098 * b);
  }
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      let r = 0, g = 0, b = 0;
      for (const [yy, xx] of [[y, x], [y, x + 1], [y + 1, x], [y + 1, x + 1]]) {
        const i = (yy * w + xx) * 3;
        r += rgb[i] / 4;
        g += rgb[i + 1] / 4;
        b += rgb[i + 2] / 4;
      }
      const j = (y / 2) * (w / 2) + x / 2;
      out[U + j] = clamp(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      out[V + j] = clamp(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  return out;
}

/** Writes a .y4m of `frames` frames of the PNG at pngPath, 640×480 at 30 fps. */
export function writeY4m(pngPath: string, outPath: string, frames = 4, w = 640, h = 480): void {
  const png = PNG.sync.read(readFileSync(pngPath));
  const src = { data: png.data, width: png.width, height: png.height };
  const parts: Uint8Array[] = [Buffer.from(`YUV4MPEG2 W${w} H${h} F30:1 Ip A1:1 C420\n`)];
  for (let f = 0; f < frames; f++) {
    parts.push(Buffer.from("FRAME\n"), rgbToI420(letterbox(src, w, h, f * 4), w, h));
  }
  writeFileSync(outPath, Buffer.concat(parts));
}
