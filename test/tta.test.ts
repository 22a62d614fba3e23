// Test-time averaging (tta: "flip"): each face's probabilities are the mean of the face's and of its mirror
// image's, which the test builds by mirroring the crop's pixels itself, for the shipped grey model and for an RGB
// model of another input size. tta: "ten-crop": the ten views against a plain crop-and-bilinear reference
// written here, and the mean of the model over them; eval --ten-crop on the fixture's faces.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tenCrops, predictTenCrop } from "../src/classify.js";
import { evalCommand } from "../src/cli/eval.js";
import { vi } from "vitest";
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
    expect(() => classifyFaces(model, [crop(0, 0, 48, 48)], { tta: "tencrop" as "flip" })).toThrow(/classifyFaces: tta must be "none", "flip" or "ten-crop", found "tencrop"/);
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
    expect(() => recognize(photo, { model, detector: "haar", tta: "ten" as "flip" })).toThrow(/recognize: tta must be "none", "flip" or "ten-crop", found "ten"/);
  });
});

/** View v of a [H, W, C] face: crop v (corners, centre; mirrored from 5 on) scaled to H × W, the obvious way. */
function viewRef(x: Float32Array, H: number, W: number, C: number, v: number): Float64Array {
  const ch = Math.round((H * 11) / 12), cw = Math.round((W * 11) / 12);
  const oy = [0, 0, H - ch, H - ch, Math.floor((H - ch) / 2)][v % 5], ox = [0, W - cw, 0, W - cw, Math.floor((W - cw) / 2)][v % 5];
  const at = (y: number, q: number, k: number) => x[((oy + y) * W + ox + q) * C + k];
  const out = new Float64Array(H * W * C);
  for (let y = 0; y < H; y++) for (let q = 0; q < W; q++) for (let k = 0; k < C; k++) {
    // the output pixel's centre, in the crop's pixels, clamped to the crop's first and last pixel centres
    const sy = Math.min(Math.max(((y + 0.5) * ch) / H - 0.5, 0), ch - 1), sx = Math.min(Math.max(((q + 0.5) * cw) / W - 0.5, 0), cw - 1);
    const y0 = Math.floor(sy), x0 = Math.floor(sx), y1 = Math.min(y0 + 1, ch - 1), x1 = Math.min(x0 + 1, cw - 1), fy = sy - y0, fx = sx - x0;
    const val = (1 - fy) * ((1 - fx) * at(y0, x0, k) + fx * at(y0, x1, k)) + fy * ((1 - fx) * at(y1, x0, k) + fx * at(y1, x1, k));
    out[(y * W + (v < 5 ? q : W - 1 - q)) * C + k] = val;
  }
  return out;
}

describe("ten-crop test-time averaging", () => {
  it("tenCrops: the ten views of each face, against a plain crop-and-bilinear reference, on odd sizes and channels", () => {
    for (const [n, H, W, C] of [[1, 48, 48, 1], [3, 7, 9, 3], [2, 13, 12, 5], [1, 40, 36, 3]]) {
      const x = Float32Array.from({ length: n * H * W * C }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 7));
      const got = tenCrops(x, n, H, W, C), per = H * W * C;
      expect(got.length).toBe(10 * n * per);
      for (let v = 0; v < 10; v++) for (let i = 0; i < n; i++) {
        const want = viewRef(x.subarray(i * per, (i + 1) * per), H, W, C, v), row = got.subarray((v * n + i) * per, (v * n + i + 1) * per);
        let worst = 0;
        for (let j = 0; j < per; j++) worst = Math.max(worst, Math.abs(row[j] - want[j]));
        expect(worst, `${n}×${H}×${W}×${C} view ${v} face ${i}`).toBeLessThan(1e-5);
      }
    }
    // a FER face's crops are 44 of 48: the top-left view's first pixel is the face's first, its last the crop's last
    const face = Float32Array.from({ length: 48 * 48 }, (_, i) => i);
    const v0 = tenCrops(face, 1, 48, 48, 1);
    expect(v0[0]).toBe(0);
    expect(v0[48 * 48 - 1]).toBe(43 * 48 + 43);
  });

  it("predictTenCrop and classifyFaces: the mean of the model over the ten views, faces kept apart past one batch of 64", async () => {
    const model = await loadLayersModel(join(ROOT, "models/fer2013"));
    const n = 70, per = 48 * 48, x = new Float32Array(n * per);
    for (let i = 0; i < n; i++) x.set(Float32Array.from(crop(40 + 3 * i, 60 + (i % 9), 48, 48).data.filter((_, j) => j % 4 === 0), (v) => v / 255), i * per);
    const got = predictTenCrop(model, x, n, 48, 48, 1);
    expect(got.length).toBe(n * 7);
    for (const i of [0, 33, 64, 69]) {
      const views = Array.from({ length: 10 }, (_, v) => model.predict(Float32Array.from(viewRef(x.subarray(i * per, (i + 1) * per), 48, 48, 1, v)), 1));
      for (let k = 0; k < 7; k++) expect(Math.abs(got[i * 7 + k] - views.reduce((s, p) => s + p[k], 0) / 10), `face ${i} class ${k}`).toBeLessThan(1e-5);
    }
    // the averaging is not the plain prediction
    const plain = model.predict(x, n);
    expect(Math.max(...got.map((v, i) => Math.abs(v - plain[i])))).toBeGreaterThan(1e-3);
    // classifyFaces on 48×48 grey crops: the same averages
    const faces = [crop(100, 80, 48, 48), crop(150, 60, 48, 48)].map((f) => ({ data: f.data.filter((_, j) => j % 4 === 0), width: 48, height: 48 }));
    const tc = classifyFaces(model, faces, { tta: "ten-crop" });
    const xs = new Float32Array(2 * per);
    faces.forEach((f, i) => xs.set(Float32Array.from(f.data, (v) => v / 255), i * per));
    const want = predictTenCrop(model, xs, 2, 48, 48, 1);
    tc.forEach((c, i) => Object.values(c.probabilities).forEach((p, k) => expect(Math.abs(p - want[i * 7 + k])).toBeLessThan(1e-6)));
  });

  it("eval --ten-crop on the fixture's PublicTest rows; --tta with --ten-crop is refused", async () => {
    const SAMPLE = join(ROOT, "fixtures/fer2013-sample.csv.gz");
    const spy = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await evalCommand(["--data", SAMPLE, "--ten-crop", "--json"]);
      const r = JSON.parse(spy.mock.calls[0][0] as string);
      expect(r.tta).toBe("ten-crop");
      expect(r.n).toBe(100);
      await evalCommand(["--data", SAMPLE, "--ten-crop"]);
      expect(spy.mock.calls[1][0]).toMatch(/^PublicTest: 100 faces, accuracy [\d.]+% \(averaged over ten crops\)$/);
    } finally {
      spy.mockRestore();
    }
    await expect(evalCommand(["--data", SAMPLE, "--ten-crop", "--tta"])).rejects.toThrow(/^eval: --tta and --ten-crop: give one/);
  });
});
