// Shared by the Haar scan tests (detect-compiled, detect-band, detect-trees, haar-kernels): synthetic grey frames,
// synthetic cascades, the fixture photos, and the plain scalar scan that every faster scan is checked against.
import { readFileSync } from "node:fs";
import { decodePng } from "../src/image/png.js";
import { detectorInternals, type FaceDetector } from "../src/detect/detector.js";
import { cvRound, f32 } from "../src/detect/round.js";
import type { Box } from "../src/detect/group.js";

const dir = new URL("../fixtures/faces/", import.meta.url);
export const photo = (f: string) => decodePng(readFileSync(new URL(f, dir)), f);

/** The detector's WASM exports and current frame buffers, after a frame has laid them out. */
export function internalsAfterFrame(d: FaceDetector) {
  const t = detectorInternals(d);
  if (!t.layout) throw new Error("no frame scanned yet: call candidates() or scanScales() first");
  return { ...t, L: t.layout };
}

export function grey(W: number, H: number, seed: number, blocks = false): Uint8Array {
  const px = new Uint8Array(W * H);
  let s = seed;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      // smooth blobs with noise: windows of every kind (flat ones refused, busy ones rejected at various stages)
      const base = blocks ? 128 + 100 * Math.sin(x / 7) * Math.cos(y / 5) : 0;
      px[y * W + x] = blocks ? Math.max(0, Math.min(255, Math.round(base + ((s >>> 24) - 128) / 8))) : s >>> 24;
    }
  }
  return px;
}

/**
 * A 20×20 cascade of the given stage elements over four features: a tilted one, two-rectangle ones and a
 * three-rectangle one, so that every kind of feature runs.
 */
export function cascadeXml(stages: string[]): string {
  return `<opencv_storage><cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
    <featureType>HAAR</featureType><height>20</height><width>20</width>
    <featureParams><maxCatCount>0</maxCatCount></featureParams>
    <stageNum>${stages.length}</stageNum><stages>${stages.join("")}</stages>
    <features>
      <_><rects><_>8 2 6 4 -1.</_><_>9 4 3 2 3.</_></rects><tilted>1</tilted></_>
      <_><rects><_>0 0 20 10 -1.</_><_>0 10 20 10 1.</_></rects><tilted>0</tilted></_>
      <_><rects><_>2 3 15 6 -1.</_><_>7 3 5 6 3.</_><_>2 5 15 2 2.</_></rects><tilted>0</tilted></_>
      <_><rects><_>4 1 12 18 -1.</_><_>4 7 12 6 3.</_></rects><tilted>0</tilted></_>
    </features></cascade></opencv_storage>`;
}

/**
 * The raw candidates from the plain scalar scan (scan.ts's scan: evalStumps window by window with OpenCV's
 * visiting rule), over the same pyramid as FaceDetector.candidates: the reference for the grouped first
 * stages + queue that detect() runs.
 */
export function scalarCandidates(d: FaceDetector, img: { data: ArrayLike<number>; width: number; height: number }, options: object): Box[] {
  const scales = d.scales(img as never, options);
  d.scanScales(img as never, []); // buffers and grey
  const { wasm: w, L } = internalsAfterFrame(d), c = d.cascade;
  const sqsum = L.sum + L.stride * (img.height + 1) * 4, tilted = sqsum + L.stride * (img.height + 1) * 4;
  const out: Box[] = [];
  for (const s of scales) {
    const ww = s.width + 1 - c.width, wh = s.height + 1 - c.height;
    if (ww <= 0 || wh <= 0) continue;
    let src = L.grey;
    if (s.width !== img.width || s.height !== img.height) {
      w.resizeLinearExact(L.grey, img.width, img.height, L.resized, s.width, s.height, L.scratch);
      src = L.resized;
    }
    w.integral(src, s.width, s.height, L.sum, sqsum, L.stride);
    if (c.hasTilted) w.tiltedIntegral(src, s.width, s.height, tilted, L.stride, L.scratch);
    const n = w.scan(L.cascade, L.sum, L.stride, ww, wh, s.step, L.out);
    const xy = new Int32Array(w.memory.buffer, L.out, 2 * n);
    for (let i = 0; i < n; i++) out.push([cvRound(f32(xy[2 * i] * s.scale)), cvRound(f32(xy[2 * i + 1] * s.scale)), s.winW, s.winH]);
  }
  return out;
}
