// Face preprocessing, the one path from a grey frame to the network's input: OpenCV's grey rule (of a whole
// image or a region of it), a rect resized as the crop alone would be, and the Haar detector's own grey of the
// frame reused by recognize().
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyBoxes, decodeImage, FaceDetector, ImageError, loadLayersModel, recognize, resizeToFloat, toGrey, type GreyImage } from "../src/index.js";
import { Random } from "../src/util/random.js";

const ROOT = new URL("..", import.meta.url).pathname;
const fixture = (f: string) => decodeImage(readFileSync(join(ROOT, "fixtures", f)), f);

function randomRgba(w: number, h: number, seed: number): { data: Uint8Array; width: number; height: number } {
  const r = new Random(seed);
  return { data: Uint8Array.from({ length: w * h * 4 }, () => Math.floor(r.next() * 256)), width: w, height: h };
}

function cropGrey(g: GreyImage, x: number, y: number, w: number, h: number): GreyImage {
  const data = new Uint8Array(w * h);
  for (let r = 0; r < h; r++) data.set(g.data.subarray((y + r) * g.width + x, (y + r) * g.width + x + w), r * w);
  return { data, width: w, height: h };
}

describe("toGrey", () => {
  it("is 0.299 R + 0.587 G + 0.114 B rounded, alpha ignored", () => {
    const px = [[255, 0, 0, 9], [0, 255, 0, 0], [0, 0, 255, 255], [10, 20, 30, 77], [255, 255, 255, 0]];
    const g = toGrey({ data: Uint8Array.from(px.flat()), width: 5, height: 1 });
    expect(Array.from(g.data)).toEqual(px.map(([r, gg, b]) => Math.round(0.299 * r + 0.587 * gg + 0.114 * b)));
  });

  it("of a region: the grey of that crop; a region reaching past the image is refused, at its edge", () => {
    const img = randomRgba(40, 30, 1);
    const whole = toGrey(img);
    expect(toGrey(img, "img", { x: 7, y: 5, w: 20, h: 11 })).toEqual(cropGrey(whole, 7, 5, 20, 11));
    // the last column and row are inside; one more is not
    expect(toGrey(img, "img", { x: 39, y: 29, w: 1, h: 1 }).data[0]).toBe(whole.data[29 * 40 + 39]);
    expect(() => toGrey(img, "img", { x: 30, y: 0, w: 11, h: 5 })).toThrow(ImageError);
    expect(() => toGrey(img, "img", { x: 0, y: 25, w: 5, h: 6 })).toThrow(/^img: region 5×6 at \(0, 25\) is not inside the 40×30 image$/);
    expect(() => toGrey(img, "img", { x: -1, y: 0, w: 5, h: 5 })).toThrow(ImageError);
  });
});

describe("resizeToFloat of a rect", () => {
  const frame = toGrey(randomRgba(120, 90, 2));
  for (const [what, rect] of [["shrinking (area)", { x: 31, y: 17, w: 67, h: 59 }], ["growing (bilinear)", { x: 40, y: 30, w: 21, h: 33 }], ["at the frame's corner", { x: 99, y: 69, w: 21, h: 21 }]] as const) {
    it(`reads the rect as its crop alone would, ${what}`, () => {
      const fromFrame = resizeToFloat(frame, rect, 48, 48);
      const crop = cropGrey(frame, rect.x, rect.y, rect.w, rect.h);
      const fromCrop = resizeToFloat(crop, { x: 0, y: 0, w: rect.w, h: rect.h }, 48, 48);
      let worst = 0;
      for (let i = 0; i < fromCrop.length; i++) worst = Math.max(worst, Math.abs(fromFrame[i] - fromCrop[i]));
      expect(worst).toBeLessThan(1e-6);
    });
  }
});

describe("the Haar detector's grey, reused", () => {
  it("greyOf(image) is toGrey(image) right after detect() scanned it, and null for any other image", () => {
    const det = new FaceDetector();
    const img = fixture("faces/astronaut.png");
    expect(det.greyOf(img)).toBeNull();
    det.detect(img, { minSize: 60 });
    expect(det.greyOf(img)).toEqual(toGrey(img));
    expect(det.greyOf({ ...img })).toBeNull();
    // a call that scanned nothing leaves no grey to reuse, even of the same image
    det.detect(img, { minSize: 600 });
    expect(det.greyOf(img)).toBeNull();
  });

  it("recognize() with the Haar cascade, crops cut from the detector's grey, equals classifyBoxes' per-crop grey, margins clipped", async () => {
    const model = await loadLayersModel(join(ROOT, "models/reference"));
    const img = fixture("faces/knn_test_kit_with_rose.png");
    const opts = { scaleFactor: 1.1, minNeighbors: 5, minSize: 30 };
    for (const margin of [0, 0.4]) {
      const faces = recognize(img, { model, detector: "haar", margin, ...opts });
      expect(faces.length).toBeGreaterThanOrEqual(2);
      const alone = classifyBoxes(model, img, faces.map((f) => f.box), margin);
      faces.forEach((f, i) => {
        expect(f.label).toBe(alone[i].label);
        for (const k of Object.keys(f.probabilities)) expect(Math.abs(f.probabilities[k] - alone[i].probabilities[k])).toBeLessThan(1e-6);
      });
    }
  });
});
