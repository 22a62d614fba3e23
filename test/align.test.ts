// Aligned face crops (src/image/align.ts): the similarity puts the eyes where it says for any rotation, scale and
// place; on synthetic images two dark discs drawn as eyes come out level at the target positions within half a
// pixel, whatever the rotation and the shrink; classifyFaces and recognize use it with `align`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyFaces, decodeImage, loadLayersModel, recognize, ArgumentError } from "../src/index.js";
import { alignedCrop, alignmentOf, mapPoint, EYE_CENTRE, EYE_DISTANCE } from "../src/image/align.js";
import { preprocessAligned } from "../src/classify.js";
import { Random } from "../src/util/random.js";

const ROOT = new URL("..", import.meta.url).pathname;

/** A W×H grey image, white, with a dark disc of radius r at each eye. */
function eyesImage(W: number, H: number, eyes: [number, number][], r: number) {
  const data = new Uint8Array(W * H).fill(255);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if (eyes.some(([ex, ey]) => Math.hypot(x + 0.5 - ex, y + 0.5 - ey) <= r)) data[y * W + x] = 0;
  }
  return { data, width: W, height: H, channels: 1 as const };
}

/** Centroids of darkness (255 − v) in the left and right halves of a crop. */
function darkCentroids(crop: Float32Array, W: number, H: number): [number, number][] {
  return [0, 1].map((half) => {
    let sx = 0, sy = 0, s = 0;
    for (let y = 0; y < H; y++) for (let x = half * (W / 2); x < (half + 1) * (W / 2); x++) {
      const d = 255 - crop[y * W + x];
      sx += d * (x + 0.5);
      sy += d * (y + 0.5);
      s += d;
    }
    return [sx / s, sy / s] as [number, number];
  });
}

describe("aligned crops", () => {
  it("the similarity maps the output's eye positions onto the landmarks' eyes, for any rotation, scale and place", () => {
    const r = new Random(3);
    for (let k = 0; k < 50; k++) {
      const re: [number, number] = [r.uniform(0, 500), r.uniform(0, 500)], ang = r.uniform(-Math.PI, Math.PI), d = r.uniform(5, 200);
      const le: [number, number] = [re[0] + d * Math.cos(ang), re[1] + d * Math.sin(ang)];
      const W = r.int(16, 112), H = r.int(16, 112), m = alignmentOf([re, le], W, H);
      const cx = EYE_CENTRE[0] * W, cy = EYE_CENTRE[1] * H, h = (EYE_DISTANCE * W) / 2;
      const [a, b] = [mapPoint(m, cx - h, cy), mapPoint(m, cx + h, cy)];
      expect(Math.hypot(a[0] - re[0], a[1] - re[1])).toBeLessThan(1e-9);
      expect(Math.hypot(b[0] - le[0], b[1] - le[1])).toBeLessThan(1e-9);
    }
  });

  it("eyes drawn at any angle come out level at their target positions within 0.5 px, shrunk ×1 to ×6", () => {
    const W = 96, H = 96;
    for (const [ang, dist] of [[0, 40], [0.3, 80], [-0.6, 120], [1.2, 200], [Math.PI - 0.2, 160]]) {
      const c: [number, number] = [260, 230];
      const re: [number, number] = [c[0] - (dist / 2) * Math.cos(ang), c[1] - (dist / 2) * Math.sin(ang)];
      const le: [number, number] = [c[0] + (dist / 2) * Math.cos(ang), c[1] + (dist / 2) * Math.sin(ang)];
      const img = eyesImage(520, 480, [re, le], dist / 8);
      const crop = alignedCrop(img, [re, le], W, H, 1);
      const [l, rr] = darkCentroids(crop, W, H);
      const want = [[(EYE_CENTRE[0] - EYE_DISTANCE / 2) * W, EYE_CENTRE[1] * H], [(EYE_CENTRE[0] + EYE_DISTANCE / 2) * W, EYE_CENTRE[1] * H]];
      expect(Math.hypot(l[0] - want[0][0], l[1] - want[0][1]), `angle ${ang}, distance ${dist}`).toBeLessThan(0.5);
      expect(Math.hypot(rr[0] - want[1][0], rr[1] - want[1][1]), `angle ${ang}, distance ${dist}`).toBeLessThan(0.5);
    }
  });

  it("refuses landmarks without two distinct eyes", () => {
    expect(() => alignmentOf([[1, 1]], 48, 48)).toThrow(ArgumentError);
    expect(() => alignmentOf([[1, 1], [1, 1]], 48, 48)).toThrow(/the two eyes are at the same point/);
  });

  it("classifyFaces with align uses a crop's landmarks; recognize aligns YuNet's faces, and refuses align with Haar", async () => {
    const model = await loadLayersModel(join(ROOT, "models/fer2013"));
    const frame = decodeImage(readFileSync(join(ROOT, "fixtures/faces/knn_test_kit_with_rose.png")), "kit");
    const faces = recognize(frame, { model, detector: "yunet", align: true });
    expect(faces).toHaveLength(2);
    const x = preprocessAligned(frame, faces[0].landmarks!);
    const want = model.predict(x, 1);
    const [viaClassify] = classifyFaces(model, [{ ...frame, landmarks: faces[0].landmarks }], { align: true });
    Object.values(viaClassify.probabilities).forEach((p, k) => expect(p).toBeCloseTo(want[k], 6));
    Object.values(faces[0].probabilities).forEach((p, k) => expect(p).toBeCloseTo(want[k], 6));
    expect(() => recognize(frame, { model, detector: "haar", align: true })).toThrow(/align needs landmarks, which the Haar detector does not give/);
  });
});
