// Test-time averaging (tta: "flip"): each face's probabilities are the mean of the face's and of its mirror
// image's, which the test builds by mirroring the crop's pixels itself, for the shipped grey model and for an RGB
// model of another input size.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyFaces, Conv2D, recognize, decodeImage, Dense, GlobalAveragePooling2D, input, loadLayersModel, Model, type Classification } from "../src/index.js";

const ROOT = new URL("..", import.meta.url).pathname;
const photo = decodeImage(readFileSync(join(ROOT, "fixtures/faces/knn_test_kit_with_rose.png")), "photo");
const boxes = JSON.parse(readFileSync(join(ROOT, "fixtures/faces/boxes.json"), "utf8"));

function crop(x: number, y: number, w: number, h: number) {
  const data = new Uint8Array(w * h * 4);
  for (let r = 0; r < h; r++) data.set(photo.data.subarray(((y + r) * photo.width + x) * 4, ((y + r) * photo.width + x + w) * 4), r * w * 4);
  return { data, width: w, height: h };
}

function mirror(img: { data: Uint8Array; width: number; height: number }) {
  const data = new Uint8Array(img.data.length);
  for (let r = 0; r < img.height; r++) {
    for (let c = 0; c < img.width; c++) {
      for (let k = 0; k < 4; k++) data[(r * img.width + c) * 4 + k] = img.data[(r * img.width + img.width - 1 - c) * 4 + k];
    }
  }
  return { data, width: img.width, height: img.height };
}

function expectMean(got: Classification, a: Classification, b: Classification, tol: number) {
  for (const k of Object.keys(a.probabilities)) {
    expect(Math.abs(got.probabilities[k] - (a.probabilities[k] + b.probabilities[k]) / 2), k).toBeLessThan(tol);
  }
  const best = Object.entries(got.probabilities).reduce((m, e) => (e[1] > m[1] ? e : m));
  expect(got.label).toBe(best[0]);
}

describe("classifyFaces with tta: \"flip\"", () => {
  it("the shipped grey model: the mean of each face and its mirror image, faces kept apart in one batch", async () => {
    const model = await loadLayersModel(join(ROOT, "models/fer2013"));
    const [bx, by, bw, bh] = boxes["knn_test_kit_with_rose.png"].opencv[0];
    // a 48×48 crop needs no resampling, so mirroring before or after preprocessing is the same to the bit;
    // a crop of odd size goes through area resampling, equal up to its rounding
    const faces = [crop(bx, by, 48, 48), crop(bx, by, bw, bh), crop(bx + 3, by + 1, 61, 47)];
    const plain = classifyFaces(model, faces);
    const flipped = classifyFaces(model, faces.map(mirror));
    const tta = classifyFaces(model, faces, { tta: "flip" });
    expectMean(tta[0], plain[0], flipped[0], 1e-7);
    expectMean(tta[1], plain[1], flipped[1], 1e-5);
    expectMean(tta[2], plain[2], flipped[2], 1e-5);
    // a face that is not symmetric answers differently mirrored, so the averaging is not a no-op
    expect(Math.abs(plain[1].probabilities.happy - flipped[1].probabilities.happy)).toBeGreaterThan(1e-4);
    expect(classifyFaces(model, faces, { tta: "none" })).toEqual(plain);
  });

  it("an RGB model of 40×36: channels stay with their pixel when mirrored", () => {
    const x0 = input({ shape: [40, 36, 3] });
    const y = new Dense({ units: 7, activation: "softmax" }).apply(new GlobalAveragePooling2D().apply(new Conv2D({ filters: 8, kernelSize: 3, strides: 2, activation: "relu" }).apply(x0)));
    const model = new Model({ inputs: x0, outputs: y });
    const faces = [crop(100, 80, 36, 40), crop(150, 60, 36, 40)];
    const tta = classifyFaces(model, faces, { tta: "flip" });
    const plain = classifyFaces(model, faces), flipped = classifyFaces(model, faces.map(mirror));
    faces.forEach((_, i) => expectMean(tta[i], plain[i], flipped[i], 1e-6));
  });

  it("refuses another value, naming the option", async () => {
    const model = await loadLayersModel(join(ROOT, "models/fer2013"));
    expect(() => classifyFaces(model, [crop(0, 0, 48, 48)], { tta: "ten-crop" as "flip" })).toThrow(/classifyFaces: tta must be "none" or "flip", found "ten-crop"/);
  });

  it("recognize(): each detected face's crop averaged with its mirror, with the Haar and the YuNet detector", async () => {
    const model = await loadLayersModel(join(ROOT, "models/fer2013"));
    for (const detector of ["haar", "yunet"] as const) {
      const plain = recognize(photo, { model, detector });
      expect(plain.length, detector).toBeGreaterThan(0);
      const tta = recognize(photo, { model, detector, tta: "flip" });
      // the same boxes; each face's probabilities are those of classifyFaces on its crop, mirrored and averaged
      expect(tta.map((f) => f.box)).toEqual(plain.map((f) => f.box));
      const crops = plain.map((f) => crop(...(f.box as [number, number, number, number])));
      const want = classifyFaces(model, crops, { tta: "flip" });
      tta.forEach((f, i) => expectMean(f, want[i], want[i], 1e-6));
      expect(recognize(photo, { model, detector, tta: "none" })).toEqual(plain);
    }
    expect(() => recognize(photo, { model, detector: "haar", tta: "ten" as "flip" })).toThrow(/recognize: tta must be "none" or "flip", found "ten"/);
  });
});
