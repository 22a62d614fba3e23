import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ArgumentError, ImageError } from "../src/errors.js";
import { decodePng } from "../src/image/png.js";
import { detectFaces, FaceDetector, loadCascade, type Box } from "../src/detect/index.js";

// Parity with OpenCV 4.6: fixtures/faces/boxes.json holds what detectMultiScale returned on each photo
// (haarcascade_frontalface_default.xml, scaleFactor 1.1, minNeighbors 5, minSize 30×30; see SOURCE.md).
const dir = new URL("../fixtures/faces/", import.meta.url);
const boxes = JSON.parse(readFileSync(new URL("boxes.json", dir), "utf8")) as Record<string, { opencv: Box[]; size: [number, number] }> & {
  _params: { scaleFactor: number; minNeighbors: number; minSize: [number, number] };
};
const params = boxes._params;
const photos = Object.keys(boxes).filter((k) => k.endsWith(".png"));
const image = (f: string) => decodePng(readFileSync(new URL(f, dir)), f);

function iou(a: Box, b: Box): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

describe("detectFaces matches OpenCV 4.6 on every fixture photo", () => {
  const detector = new FaceDetector({ scaleFactor: params.scaleFactor, minNeighbors: params.minNeighbors, minSize: params.minSize });
  it.each(photos)("%s", (f) => {
    const img = image(f);
    expect([img.width, img.height]).toEqual(boxes[f].size);
    const ours = detector.detect(img);
    const cv = boxes[f].opencv;
    for (const b of cv) expect(Math.max(0, ...ours.map((o) => iou(o, b))), `OpenCV box ${b} unmatched in ${JSON.stringify(ours)}`).toBeGreaterThanOrEqual(0.9);
    for (const o of ours) expect(Math.max(0, ...cv.map((b) => iou(o, b))), `our box ${o} not in OpenCV's ${JSON.stringify(cv)}`).toBeGreaterThanOrEqual(0.9);
    // In fact box for box: same grey, same pyramid, same windows, same grouping.
    expect(ours).toEqual([...cv].sort((p, q) => p[0] - q[0] || p[1] - q[1]));
  });
});

describe("detectFaces", () => {
  const small = image("obama_small.png");

  it("uses OpenCV's defaults and the shipped cascade, and sorts left to right", () => {
    const faces = detectFaces(image("facereg.png"), { minNeighbors: 5, minSize: 30 });
    expect(faces).toEqual([[13, 8, 70, 70], [17, 108, 70, 70], [114, 105, 69, 69], [116, 8, 70, 70]]);
    expect(detectFaces(small).length).toBeGreaterThanOrEqual(1);
  });

  it("gives the same boxes for RGBA, RGB and grey input", () => {
    const n = small.width * small.height;
    const rgb = new Uint8Array(n * 3), grey = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      rgb.set(small.data.subarray(i * 4, i * 4 + 3), i * 3);
      const [r, g, b] = small.data.subarray(i * 4, i * 4 + 3);
      grey[i] = (9798 * r + 19235 * g + 3735 * b + 16384) >> 15;
    }
    const want = detectFaces(small);
    expect(detectFaces({ data: rgb, width: small.width, height: small.height })).toEqual(want);
    expect(detectFaces({ data: grey, width: small.width, height: small.height })).toEqual(want);
  });

  it("returns no faces for an empty image, an image smaller than the window, or minSize larger than the image", () => {
    expect(detectFaces({ data: new Uint8Array(0), width: 0, height: 0 })).toEqual([]);
    expect(detectFaces({ data: new Uint8Array(20 * 20), width: 20, height: 20 })).toEqual([]);
    // Documented: OpenCV would fall back to scanning its largest scale; we return nothing.
    expect(detectFaces(small, { minSize: 400 })).toEqual([]);
    expect(detectFaces(small, { minSize: [small.width + 1, 10] })).toEqual([]);
  });

  it("keeps working across frame sizes with one FaceDetector", () => {
    const d = new FaceDetector({ minNeighbors: 5, minSize: 30 });
    const big = image("facereg.png");
    const a = d.detect(small), b = d.detect(big), c = d.detect(small);
    expect(c).toEqual(a);
    expect(b).toEqual(new FaceDetector({ minNeighbors: 5, minSize: 30 }).detect(big));
  });

  it("at the edge: 4,096 scales are scanned, a scaleFactor that makes 4,097 is refused", () => {
    // a 24×24 frame fits the 24×24 window while cvRound(24·s^k) ≤ 24, i.e. s^k < 24.5 / 24: k = 0..n-1 for
    // s = (24.5 / 24)^(1 / (n - 0.5)), half a step from the edge either side (far above the f64 rounding of s^k)
    const d = new FaceDetector(), frame = { data: new Uint8Array(24 * 24), width: 24, height: 24, channels: 1 as const };
    const factor = (n: number) => (24.5 / 24) ** (1 / (n - 0.5));
    expect(d.scales(frame, { scaleFactor: factor(4096) }).length).toBe(4096);
    expect(() => d.scales(frame, { scaleFactor: factor(4097) })).toThrow(new ArgumentError(`scaleFactor ${factor(4097)} is too close to 1: over 4096 scales`));
  });

  it("refuses bad options and images with typed errors", () => {
    expect(() => detectFaces(small, { scaleFactor: 1 })).toThrow(ArgumentError);
    expect(() => detectFaces(small, { scaleFactor: 1.0000001 })).toThrow(/too close to 1/);
    expect(() => detectFaces(small, { minNeighbors: -1 })).toThrow(ArgumentError);
    expect(() => detectFaces(small, { minSize: [10] as unknown as number })).toThrow(/minSize/);
    expect(() => detectFaces({ data: new Uint8Array(10), width: 4, height: 4 })).toThrow(ImageError);
    expect(() => detectFaces({ data: new Uint8Array(0), width: -1, height: 4 })).toThrow(ImageError);
  });
});

// Tilted features, end to end: a one-stage cascade with a tilted feature, against a brute-force reference that
// sums the rotated integral's triangles from the pixels (OpenCV's definition), at scale 1 with OpenCV's stepping.
describe("tilted features", () => {
  const xml = `<opencv_storage><cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
    <featureType>HAAR</featureType><height>20</height><width>20</width>
    <featureParams><maxCatCount>0</maxCatCount></featureParams>
    <stages><_><stageThreshold>0</stageThreshold><weakClassifiers>
      <_><internalNodes>0 1 0 0.0 -1 -2 1 0.0</internalNodes><leafValues>0.1 -0.2 0.3</leafValues></_>
    </weakClassifiers></_></stages>
    <features>
      <_><rects><_>8 2 6 4 -1.</_><_>9 4 3 2 3.</_></rects><tilted>1</tilted></_>
      <_><rects><_>0 0 20 10 -1.</_><_>0 10 20 10 1.</_></rects><tilted>0</tilted></_>
    </features></cascade></opencv_storage>`;

  it("scan matches a brute-force evaluation", () => {
    const W = 47, H = 33;
    const px = new Uint8Array(W * H);
    let s = 12345;
    for (let i = 0; i < px.length; i++) px[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    const c = loadCascade(xml);
    const got = new FaceDetector({ cascade: c, scaleFactor: 3 }).candidates({ data: px, width: W, height: H });

    const T = (X: number, Y: number) => {
      let t = 0;
      for (let y = 0; y < Y; y++) for (let x = Math.max(0, X - Y + y); x <= Math.min(W - 1, X + Y - y - 2); x++) t += px[y * W + x];
      return t;
    };
    const S = (x0: number, y0: number, x1: number, y1: number) => {
      let t = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) t += px[y * W + x];
      return t;
    };
    const f = Math.fround;
    const want: Box[] = [];
    for (let y = 0; y < H + 1 - 20; y += 2) {
      for (let x = 0; x < W + 1 - 20; x += 2) {
        const sum = S(x + 1, y + 1, x + 19, y + 19), sq = (() => { let q = 0; for (let yy = y + 1; yy < y + 19; yy++) for (let xx = x + 1; xx < x + 19; xx++) q += px[yy * W + xx] ** 2; return q; })();
        const nf = Math.sqrt(324 * sq - sum * sum);
        const vnf = f(1 / nf);
        if (!(324 * vnf < 0.1)) continue;
        const tilt = (rx: number, ry: number, rw: number, rh: number) =>
          T(x + rx, y + ry) - T(x + rx - rh, y + ry + rh) - T(x + rx + rw, y + ry + rw) + T(x + rx + rw - rh, y + ry + rw + rh);
        const v0 = f(f(f(-1 * tilt(8, 2, 6, 4)) + f(3 * tilt(9, 4, 3, 2))) * vnf);
        let leaf: number;
        if (v0 < 0) leaf = 0.1;
        else {
          const v1 = f(f(f(-1 * S(x, y, x + 20, y + 10)) + f(1 * S(x, y + 10, x + 20, y + 20))) * vnf);
          leaf = v1 < 0 ? -0.2 : 0.3;
        }
        if (f(leaf) < f(f(0) - f(1e-5))) x += 2;
        else want.push([x, y, 20, 20]);
      }
    }
    expect(want.length).toBeGreaterThan(3);
    expect(got).toEqual(want);
  });
});
