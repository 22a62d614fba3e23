// The real-time system end to end: photo → Haar faces → 48×48 crops → ResEZAP → labels, in the library
// and in `resezap detect`.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  annotate, classifyFaces, decodeImage, decodePng, detectFaces, EmotionRecognizer, ImageError, loadLayersModel, recognize, FaceDetector, YuNetDetector,
  input, Conv2D, Dense, GlobalAveragePooling2D, Model,
} from "../src/index.js";
import { resizeToFloat } from "../src/image/resize.js";
import { tempDir } from "./temp-dir.js";

const ROOT = new URL("..", import.meta.url).pathname;
const fixture = (f: string) => decodeImage(readFileSync(join(ROOT, "fixtures", f)), f);
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), ...args], { cwd: ROOT, encoding: "utf8" });
const boxes = JSON.parse(readFileSync(join(ROOT, "fixtures/faces/boxes.json"), "utf8"));

describe("recognize", () => {
  it("finds OpenCV's faces and classifies each crop exactly as classifyFaces does, sorted left to right", async () => {
    const model = await loadLayersModel(join(ROOT, "models/reference"));
    const img = fixture("faces/knn_test_kit_with_rose.png");
    const faces = recognize(img, { model, detector: "haar", scaleFactor: 1.1, minNeighbors: 5, minSize: 30 });
    expect(faces.map((f) => f.box)).toEqual(detectFaces(img, { scaleFactor: 1.1, minNeighbors: 5, minSize: 30 }));
    expect(faces.map((f) => f.box).sort()).toEqual([...boxes["knn_test_kit_with_rose.png"].opencv].sort());
    const xs = faces.map((f) => f.box[0]);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // the same crops through classifyFaces (crop → grey → 48×48) give the same answer
    const crops = faces.map(({ box: [x, y, w, h] }) => {
      const data = new Uint8Array(w * h * 4);
      for (let r = 0; r < h; r++) data.set(img.data.subarray(((y + r) * img.width + x) * 4, ((y + r) * img.width + x + w) * 4), r * w * 4);
      return { data, width: w, height: h };
    });
    const direct = classifyFaces(model, crops);
    faces.forEach((f, i) => {
      expect(f.label).toBe(direct[i].label);
      for (const k of Object.keys(f.probabilities)) expect(Math.abs(f.probabilities[k] - direct[i].probabilities[k])).toBeLessThan(1e-6);
    });
  });

  it("EmotionRecognizer with detector haar: the package's model and cascade; a photo without faces gives []", async () => {
    const r = await EmotionRecognizer.load({ detector: "haar" });
    const astro = r.recognize(fixture("faces/astronaut.png"));
    expect(astro).toHaveLength(1);
    expect(astro[0].box).toEqual(boxes["astronaut.png"].opencv[0]);
    expect(Object.values(astro[0].probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(r.recognize(fixture("faces/baboon.png"), { minNeighbors: 5 })).toEqual([]);
    expect(() => r.recognize(fixture("faces/astronaut.png"), { margin: 2 })).toThrow(/margin must be in \[0, 1\]/);
  });

  it("EmotionRecognizer loads YuNet by default; each detector's options are refused for the other", async () => {
    const r = await EmotionRecognizer.load();
    expect(r.detector).toBeInstanceOf(YuNetDetector);
    const kit = r.recognize(fixture("faces/knn_test_kit_with_rose.png"));
    expect(kit).toHaveLength(2);
    for (const f of kit) expect(f.landmarks).toHaveLength(5);
    expect(r.recognize(fixture("faces/baboon.png"))).toEqual([]);
    expect(() => r.recognize(fixture("faces/astronaut.png"), { minNeighbors: 5 })).toThrow(/minNeighbors is an option of the Haar detector, and this one runs YuNet; pass detector: "haar"/);
    await expect(EmotionRecognizer.load({ scaleFactor: 1.2 })).rejects.toThrow(/scaleFactor is an option of the Haar detector/);
    await expect(EmotionRecognizer.load({ detector: new FaceDetector(), minSize: 60 })).rejects.toThrow(/minSize goes to the FaceDetector passed as detector/);
    const model = r.model;
    expect(() => recognize(fixture("faces/astronaut.png"), { model, detector: "haar", scoreThreshold: 0.5 })).toThrow(/scoreThreshold is an option of the YuNet detector, and this one runs the Haar cascade/);
    expect(() => recognize(fixture("faces/astronaut.png"), { model, detector: "blaze" as "haar" })).toThrow(/detector must be "yunet", "haar", a FaceDetector or a YuNetDetector, found "blaze"/);
  });

  it("JPEG input, and annotate draws boxes in the emotion's colour", async () => {
    const r = await EmotionRecognizer.load({ detector: "haar" });
    const img = fixture("faces-jpeg/astronaut.jpg");
    expect(img.width).toBe(512);
    const faces = r.recognize(img);
    expect(faces).toHaveLength(1);
    const [x, y, w, h] = faces[0].box;
    const [ox, oy, ow] = boxes["astronaut.png"].opencv[0];
    expect(Math.abs(x - ox) + Math.abs(y - oy) + Math.abs(w - ow)).toBeLessThan(12);
    const out = annotate(img, faces);
    const px = (xx: number, yy: number) => Array.from(out.data.subarray((yy * out.width + xx) * 4, (yy * out.width + xx) * 4 + 3));
    expect(px(x, y + (h >> 1))).not.toEqual(px(x + 10, y + (h >> 1)));
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 2]), "cut.jpg")).toThrow(ImageError);
  });
});

describe("resezap detect", () => {
  it("--json lists faces with box, label and seven probabilities; --out writes an annotated PNG", () => {
    const out = join(tempDir("detect"), "out.png");
    const r = cli("detect", "--detector", "haar", "--json", "--out", out, "fixtures/faces/astronaut.png");
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j[0].file).toBe("fixtures/faces/astronaut.png");
    expect(j[0].faces[0].box).toEqual(boxes["astronaut.png"].opencv[0]);
    expect(Object.keys(j[0].faces[0].probabilities)).toEqual(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]);
    expect(r.stderr).toBe(`fixtures/faces/astronaut.png: 1 face drawn in ${out}\n`);
    const png = decodePng(readFileSync(out), out);
    expect([png.width, png.height]).toEqual([512, 512]);
  });

  it("--out is checked before any work: format, folder, several inputs, name clashes", () => {
    const dir = tempDir("out");
    try {
      const a = "fixtures/faces/astronaut.png", b = "fixtures/faces/obama_small.png", jpg = "fixtures/faces-jpeg/astronaut.jpg";
      for (const [args, re] of [
        [["detect", "--out", join(dir, "x.jpg"), a], /--out .*x\.jpg: the picture is written as PNG; name it \.png/],
        [["detect", "--out", join(dir, "missing", "x.png"), a], /--out .*x\.png: the folder .*missing does not exist/],
        [["detect", "--out", join(dir, "two.png"), a, b], /--out .*two\.png: 2 inputs go into a folder, not one \.png file/],
        [["detect", "--out", join(dir, "clash"), a, jpg], /astronaut\.png and .*astronaut\.jpg would both be drawn in .*astronaut-out\.png/],
      ] as [string[], RegExp][]) {
        const r = cli(...args);
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toMatch(re);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
      }
      // nothing was written by the refused runs
      expect(readdirSync(dir)).toEqual([]);
      // one input into an existing folder; several into a folder made for them
      expect(cli("detect", "--out", dir, a).status).toBe(0);
      expect(cli("detect", "--out", join(dir, "many"), a, b).status).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(["astronaut-out.png", "many"]);
      expect(readdirSync(join(dir, "many")).sort()).toEqual(["astronaut-out.png", "obama_small-out.png"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad input: one line, exit 1", () => {
    for (const [args, re] of [
      [["detect", "README.md"], /README\.md: not a PNG or JPEG file/],
      [["detect", "--detector", "haar", "--scale-factor", "0.9", "fixtures/faces/astronaut.png"], /--scale-factor must be a number in \(1, 4\]/],
      [["detect", "--detector", "haar", "--cascade", "/nonexistent.xml", "fixtures/faces/astronaut.png"], /--cascade \/nonexistent\.xml: cannot read/],
    ] as [string[], RegExp][]) {
      const r = cli(...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("any face model: a 64×56 RGB input with [-1, 1] scaling from its metadata or an option, the same numbers as preprocessing by hand", async () => {
    const x0 = input({ shape: [64, 56, 3] });
    const y = new Dense({ units: 7, activation: "softmax" }).apply(new GlobalAveragePooling2D().apply(new Conv2D({ filters: 8, kernelSize: 3, strides: 2, activation: "relu" }).apply(x0)));
    const model = new Model({ inputs: x0, outputs: y });
    const img = fixture("faces/knn_test_kit_with_rose.png");
    const [bx, by, bw, bh] = boxes["knn_test_kit_with_rose.png"].opencv[0];
    const data = new Uint8Array(bw * bh * 4);
    for (let r = 0; r < bh; r++) data.set(img.data.subarray(((by + r) * img.width + bx) * 4, ((by + r) * img.width + bx + bw) * 4), r * bw * 4);
    const crop = { data, width: bw, height: bh };
    // by hand: each of R, G, B resized as a grey plane (area averaging), then value/255·2 − 1
    const hand = new Float32Array(64 * 56 * 3);
    for (let c = 0; c < 3; c++) {
      const plane = new Uint8Array(bw * bh).map((_, i) => data[i * 4 + c]);
      const r = resizeToFloat({ data: plane, width: bw, height: bh }, { x: 0, y: 0, w: bw, h: bh }, 56, 64);
      r.forEach((v, i) => (hand[i * 3 + c] = v * 2 - 1));
    }
    const want = model.predict(hand, 1);
    const viaOption = classifyFaces(model, [crop], { preprocessing: { scale: 2 / 255, offset: -1 } })[0];
    model.userDefinedMetadata = { preprocessing: { scale: 2 / 255, offset: -1 } };
    const viaMeta = classifyFaces(model, [crop])[0];
    const names = Object.keys(viaOption.probabilities);
    names.forEach((k, j) => {
      expect(Math.abs(viaOption.probabilities[k] - want[j])).toBeLessThan(1e-5);
      expect(viaMeta.probabilities[k]).toBe(viaOption.probabilities[k]);
    });
    // and recognize() crops the same face from the frame the same way
    const faces = recognize(img, { model, detector: "haar", scaleFactor: 1.1, minNeighbors: 5, minSize: 30 });
    const same = faces.find((f) => f.box.join() === [bx, by, bw, bh].join())!;
    names.forEach((k) => expect(Math.abs(same.probabilities[k] - viaMeta.probabilities[k])).toBeLessThan(1e-6));
    // a model that is not a face model is refused by name
    const v = input({ shape: [10] });
    const notFace = new Model({ inputs: v, outputs: new Dense({ units: 7 }).apply(v) });
    expect(() => classifyFaces(notFace, [crop])).toThrow(/classifyFaces: the model takes \[10\]; a face model takes \[height, width, 1\]/);
    model.userDefinedMetadata = { preprocessing: { scale: "big" } };
    expect(() => classifyFaces(model, [crop])).toThrow(/userDefinedMetadata.preprocessing.scale must be a finite number, found "big"/);
  });
});
