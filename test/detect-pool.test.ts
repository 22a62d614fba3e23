// createDetectorPool (worker_threads), run from the built package (dist/) as users run it: the same boxes as
// FaceDetector.detect() with the frame's scales shared between the calling thread and the workers.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import * as lib from "../dist/index.js";
import { shareScales } from "../dist/detect/pool.js";

const dir = new URL("../fixtures/faces/", import.meta.url);
const photo = (f: string) => lib.decodePng(readFileSync(new URL(f, dir)), f);

describe("createDetectorPool", () => {
  const pools: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it.each([
    [1, "auto"],
    [2, "always"],
  ] as const)("finds detect()'s boxes with %i worker(s), compile %s", async (workers, compile) => {
    const pool = await lib.createDetectorPool({ workers, minNeighbors: 5, compile });
    pools.push(pool);
    expect(pool.workers).toBe(workers);
    const single = new lib.FaceDetector({ minNeighbors: 5 });
    for (const f of ["knn_test_kit_with_rose.png", "person_multi_det.png", "obama_small.png"]) {
      const img = photo(f);
      for (const o of [{}, { scaleFactor: 1.2, minSize: 60 }, { minNeighbors: 0 }]) {
        const want = single.detect(img, o);
        expect(await pool.detect(img, o), `${f} ${JSON.stringify(o)}`).toEqual(want);
      }
    }
    // nothing to scan: no faces, no error
    expect(await pool.detect({ data: new Uint8Array(0), width: 0, height: 0 })).toEqual([]);
    expect(await pool.detect(photo("obama_small.png"), { minSize: 10_000 })).toEqual([]);
  });

  it("refuses bad arguments as detect() does", async () => {
    await expect(lib.createDetectorPool({ workers: 0 })).rejects.toThrow(/workers must be an integer/);
    const pool = await lib.createDetectorPool({ workers: 1 });
    pools.push(pool);
    await expect(pool.detect(photo("obama_small.png"), { scaleFactor: 1 })).rejects.toThrow(lib.ArgumentError);
    await expect(pool.detect({ data: new Uint8Array(10), width: 4, height: 40 })).rejects.toThrow(lib.ImageError);
  });

  it("shares every scale once, the costliest first to the least loaded thread", () => {
    const scales = new lib.FaceDetector().scales({ data: new Uint8Array(640 * 480), width: 640, height: 480 }, { scaleFactor: 1.1 });
    for (const n of [1, 2, 3, 5]) {
      const parts = shareScales(scales, n);
      expect(parts.length).toBe(n);
      expect(parts.flat().sort((a, b) => a - b)).toEqual(scales.map((_, k) => k));
      for (const p of parts) expect([...p].sort((a, b) => a - b)).toEqual(p);
    }
    // the largest scale (most windows) goes to the calling thread, which has no wake-up handicap
    expect(shareScales(scales, 2)[0]).toContain(0);
  });
});
