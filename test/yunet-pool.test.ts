// createDetectorPool({ detector: "yunet" }) from the built package: whole frames on worker threads, the faces
// exactly YuNetDetector.detect()'s, several frames in flight at once, bad input refused as detect() refuses it.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import * as lib from "../dist/index.js";

const dir = new URL("../fixtures/faces/", import.meta.url);
const photo = (f: string) => lib.decodePng(readFileSync(new URL(f, dir)), f);
const FILES = ["knn_test_kit_with_rose.png", "person_multi_det.png", "obama_small.png", "astronaut.png"];

describe("createDetectorPool({ detector: 'yunet' })", () => {
  const pools: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it("finds YuNetDetector.detect()'s faces, frames in flight together on 2 workers", async () => {
    const pool = await lib.createDetectorPool({ detector: "yunet", workers: 2, scoreThreshold: 0.8 });
    pools.push(pool);
    expect(pool.workers).toBe(2);
    const single = lib.YuNetDetector.default();
    const imgs = FILES.map(photo);
    for (const o of [{}, { longestSide: 320 }, { scoreThreshold: 0.95, topK: 3 }]) {
      const got = await Promise.all(imgs.map((img) => pool.detect(img, o)));
      imgs.forEach((img, i) => expect(got[i], `${FILES[i]} ${JSON.stringify(o)}`).toEqual(single.detect(img, { scoreThreshold: 0.8, ...o })));
    }
    expect(imgs.map((img) => single.detect(img).length).reduce((a, b) => a + b)).toBeGreaterThan(0);
  });

  it("refuses bad options, frames and model files with detect()'s typed errors", async () => {
    await expect(lib.createDetectorPool({ detector: "yunet", workers: 0 })).rejects.toThrow(/workers must be an integer/);
    await expect(lib.createDetectorPool({ detector: "yunet", workers: 1, nmsThreshold: 1.5 })).rejects.toThrow(/nmsThreshold: expected a number in \[0, 1\], found 1.5/);
    await expect(lib.createDetectorPool({ detector: "yunet", workers: 1, model: new Uint8Array([1, 2, 3]) })).rejects.toThrow(lib.ModelFormatError);
    await expect(lib.createDetectorPool({ detector: "blaze" as "yunet" })).rejects.toThrow(/detector must be "haar" or "yunet", found "blaze"/);
    const pool = await lib.createDetectorPool({ detector: "yunet", workers: 1 });
    pools.push(pool);
    await expect(pool.detect(photo("obama_small.png"), { topK: 0 })).rejects.toThrow(lib.ArgumentError);
    await expect(pool.detect({ data: new Uint8Array(0), width: 0, height: 0 })).rejects.toThrow(lib.ImageError);
    await expect(pool.detect({ data: new Uint8Array(10), width: 4, height: 40 })).rejects.toThrow(lib.ImageError);
    // a frame with no face: no faces, no error
    expect(await pool.detect({ data: new Uint8Array(64 * 48 * 4).fill(128), width: 64, height: 48 })).toEqual([]);
  });
});
