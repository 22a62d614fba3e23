// YuNet on this engine against native ONNX Runtime (onnxruntime-node) with the same decoding (decodeYuNet): every
// photo of fixtures/faces at its own size and scanned at a longest side of 320, the same faces with boxes IoU ≥ 0.99,
// landmarks within 0.5 px and scores within 1e-4; the decoding itself on synthetic outputs; the detector in
// detectFaces, recognize and the CLI; refusals.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { decodeImage, detectFaces, loadLayersModel, recognize, YuNetDetector, decodeYuNet, ImageError, ModelFormatError, ArgumentError } from "../src/index.js";
import { iou, yunetInput, type DetectedFace } from "../src/detect/yunet.js";

const ROOT = new URL("..", import.meta.url).pathname;
const MODEL = join(ROOT, "models/yunet/face_detection_yunet.onnx");
const photos = readdirSync(join(ROOT, "fixtures/faces")).filter((f) => f.endsWith(".png")).sort();

/** ORT's raw outputs for YuNet's input of this frame (the same tensor ours gets, NCHW), decoded the same way. */
async function ortFaces(session: ort.InferenceSession, frame: ReturnType<typeof decodeImage>, longestSide?: number): Promise<DetectedFace[]> {
  const longest = Math.max(frame.width, frame.height);
  const scale = longestSide && longest > longestSide ? longestSide / longest : 1;
  const x = yunetInput(frame, scale), P = x.height * x.width;
  const nchw = new Float32Array(3 * P);
  for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) nchw[c * P + p] = x.data[p * 3 + c];
  const r = await session.run({ input: new ort.Tensor("float32", nchw, [1, 3, x.height, x.width]) });
  const outs: Record<string, Float32Array> = {};
  for (const k of session.outputNames) outs[k] = r[k].data as Float32Array;
  const fx = frame.width / x.scaledWidth, fy = frame.height / x.scaledHeight;
  return decodeYuNet(outs, x.height, x.width).map((f) => ({
    score: f.score, box: [f.box[0] * fx, f.box[1] * fy, f.box[2] * fx, f.box[3] * fy], landmarks: f.landmarks.map(([a, b]) => [a * fx, b * fy] as [number, number]),
  }));
}

describe("YuNet against native ONNX Runtime, same decoding", () => {
  it(`every photo of fixtures/faces (${photos.length}) at its size and at a longest side of 320`, async () => {
    const session = await ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const det = YuNetDetector.default();
    let compared = 0;
    for (const file of photos) {
      const frame = decodeImage(readFileSync(join(ROOT, "fixtures/faces", file)), file);
      for (const longestSide of [undefined, 320]) {
        const ours = det.detect(frame, { longestSide }), want = await ortFaces(session, frame, longestSide);
        const what = `${file} at ${longestSide ?? "full size"}`;
        expect(ours.length, what).toBe(want.length);
        ours.forEach((f, i) => {
          expect(iou(f.box, want[i].box), what).toBeGreaterThanOrEqual(0.99);
          expect(Math.abs(f.score - want[i].score), what).toBeLessThan(1e-4);
          f.landmarks.forEach(([x, y], k) => expect(Math.hypot(x - want[i].landmarks[k][0], y - want[i].landmarks[k][1]), `${what} landmark ${k}`).toBeLessThan(0.5));
        });
        compared += ours.length;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });

  it("finds exactly the two faces of the demo photo (where the Haar cascade at OpenCV's defaults also boxes the suit and the backdrop)", () => {
    const frame = decodeImage(readFileSync(join(ROOT, "fixtures/faces/knn_test_kit_with_rose.png")), "kit");
    const faces = detectFaces(frame, { detector: "yunet" });
    expect(faces.length).toBe(2);
    const haar = JSON.parse(readFileSync(join(ROOT, "fixtures/faces/boxes.json"), "utf8"))["knn_test_kit_with_rose.png"].opencv as number[][];
    // each YuNet face overlaps one of OpenCV's boxes (the two faces among its four)
    for (const f of faces) expect(Math.max(...haar.map((b) => iou(f.box, b)))).toBeGreaterThan(0.3);
    for (const f of faces) expect(f.landmarks).toHaveLength(5);
  });
});

describe("YuNet decoding (decodeYuNet) on synthetic outputs", () => {
  const H = 64, W = 96;
  const blank = () => {
    const o: Record<string, Float32Array> = {};
    for (const s of [8, 16, 32]) {
      const n = (H / s) * (W / s);
      o[`cls_${s}`] = new Float32Array(n);
      o[`obj_${s}`] = new Float32Array(n);
      o[`bbox_${s}`] = new Float32Array(4 * n);
      o[`kps_${s}`] = new Float32Array(10 * n);
    }
    return o;
  };
  it("a cell's box, score and landmarks as OpenCV's FaceDetectorYN computes them; suppression keeps the better of two overlapping boxes", () => {
    const o = blank();
    // stride 16, row 1, column 2 (anchor 1·6 + 2 = 8): centre ((2 + 0.5)·16, (1 + 0.25)·16), size (e^0·16, e^ln2·16)
    const i = 8;
    o.cls_16[i] = 0.95;
    o.obj_16[i] = 0.99;
    o.bbox_16.set([0.5, 0.25, 0, Math.LN2], 4 * i);
    o.kps_16.set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], 10 * i);
    // a lower-scoring box at stride 8 almost on top of it, and one elsewhere below the threshold
    o.cls_8[2 * 12 + 5] = 0.93;
    o.obj_8[2 * 12 + 5] = 0.93;
    o.bbox_8.set([0, 0.5, Math.log(2), Math.log(4)], 4 * (2 * 12 + 5));
    o.cls_32[0] = 0.5;
    o.obj_32[0] = 1;
    const faces = decodeYuNet(o, H, W);
    expect(faces).toHaveLength(1);
    const f = faces[0];
    expect(f.score).toBeCloseTo(Math.sqrt(0.95 * 0.99), 6);
    const cx = 2.5 * 16, cy = 1.25 * 16, w = 16, h = 32;
    f.box.forEach((v, k) => expect(v).toBeCloseTo([cx - w / 2, cy - h / 2, w, h][k], 4));
    expect(f.landmarks[0][0]).toBeCloseTo((0.1 + 2) * 16, 5);
    expect(f.landmarks[4][1]).toBeCloseTo((1.0 + 1) * 16, 5);
    // with no suppression both overlapping boxes stay, best first; a threshold of 0 lets every cell through
    expect(decodeYuNet(o, H, W, { nmsThreshold: 1 }).map((x) => x.score)).toEqual([f.score, expect.closeTo(0.93, 6)]);
    expect(decodeYuNet(o, H, W, { scoreThreshold: 0, nmsThreshold: 1, topK: 3 })).toHaveLength(3);
  });
  it("outputs of the wrong size are refused by name", () => {
    const o = blank();
    o.kps_32 = new Float32Array(3);
    expect(() => decodeYuNet(o, H, W)).toThrow(/YuNet output kps_32: expected 60 values for a 96×64 input, found 3/);
  });
});

describe("YuNet in the library and the CLI", () => {
  it("recognize with detector \"yunet\": whole-pixel boxes inside the frame, YuNet's score and landmarks on each face", async () => {
    const model = await loadLayersModel(join(ROOT, "models/fer2013"));
    const frame = decodeImage(readFileSync(join(ROOT, "fixtures/faces/knn_test_kit_with_rose.png")), "kit");
    const faces = recognize(frame, { model, detector: "yunet" });
    expect(faces).toHaveLength(2);
    for (const f of faces) {
      expect(f.box.every((v) => Number.isInteger(v))).toBe(true);
      expect(f.box[0] + f.box[2]).toBeLessThanOrEqual(frame.width);
      expect(f.score).toBeGreaterThan(0.9);
      expect(f.landmarks).toHaveLength(5);
    }
  });
  it("refuses a 0×0 frame, a model that is not YuNet, bad options and detector names", async () => {
    const det = YuNetDetector.default();
    expect(() => det.detect({ data: new Uint8Array(0), width: 0, height: 0, channels: 1 })).toThrow(ImageError);
    expect(() => YuNetDetector.fromBytes(readFileSync(join(ROOT, "benchmarks/models/resezap-reference.onnx")), "resezap.onnx")).toThrow(ModelFormatError);
    expect(() => YuNetDetector.fromBytes(readFileSync(join(ROOT, "benchmarks/models/resezap-reference.onnx")), "resezap.onnx")).toThrow(/resezap.onnx: not a YuNet model/);
    const frame = { data: new Uint8Array(40 * 40), width: 40, height: 40, channels: 1 as const };
    expect(det.detect(frame)).toEqual([]);
    expect(() => det.detect(frame, { scoreThreshold: 2 })).toThrow(/scoreThreshold: expected a number in \[0, 1\], found 2/);
    expect(() => detectFaces(frame, { detector: "cnn" } as never)).toThrow(ArgumentError);
  });
  it("resezap faces --json prints YuNet's boxes, scores and landmarks by default; a YuNet option with --detector haar is refused", () => {
    const cli = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), ...a], { cwd: ROOT, encoding: "utf8" });
    const r = cli("faces", "--json", "fixtures/faces/knn_test_kit_with_rose.png");
    expect(r.status, r.stderr).toBe(0);
    const [out] = JSON.parse(r.stdout);
    expect(out.faces).toHaveLength(2);
    expect(Object.keys(out.faces[0]).sort()).toEqual(["box", "landmarks", "score"]);
    const bad = cli("faces", "--detector", "haar", "--score-threshold", "0.5", "fixtures/faces/knn_test_kit_with_rose.png");
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe("resezap: faces: --score-threshold is an option of --detector yunet");
    // JPEG too, one line a file as it finishes
    const jpeg = cli("faces", "fixtures/faces-jpeg/astronaut.jpg");
    expect(jpeg.status, jpeg.stderr).toBe(0);
    expect(jpeg.stdout).toMatch(/^fixtures\/faces-jpeg\/astronaut\.jpg: 1 face \[[\d., ]+\] 0\.\d{3}\n$/);
    const det = cli("detect", "--json", "fixtures/faces/knn_test_kit_with_rose.png");
    expect(det.status, det.stderr).toBe(0);
    const [d] = JSON.parse(det.stdout);
    expect(d.faces).toHaveLength(2);
    expect(d.faces[0].landmarks).toHaveLength(5);
  });
});
