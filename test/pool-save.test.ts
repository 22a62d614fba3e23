// createPool (worker_threads) and saving: both run the built package (dist/), as users do.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-ignore: the built package, checked as users get it
import * as lib from "../dist/index.js";
import { Random } from "../src/util/random.js";
import { tempDir } from "./temp-dir.js";

const DIR = new URL("../fixtures/reference-model/", import.meta.url).pathname;

describe("createPool and saveLayersModel", () => {
  it("a 2-worker pool gives exactly what the model gives on the calling thread", async () => {
    const model = await lib.loadLayersModel(DIR);
    const x = new Random(2).fill(37 * 2304, 0, 1);
    const pool = await lib.createPool(model, { workers: 2 });
    try {
      expect(pool.workers).toBe(2);
      const a = await pool.predict(x);
      expect(Array.from(a)).toEqual(Array.from(model.predict(x)));
      const [b, c] = await Promise.all([pool.predict(x.subarray(0, 2304)), pool.predict(x.subarray(2304, 3 * 2304))]);
      expect(Array.from(b)).toEqual(Array.from(a.subarray(0, 7)));
      expect(Array.from(c)).toEqual(Array.from(a.subarray(7, 21)));
      await expect(pool.predict(new Float32Array(5))).rejects.toThrow(/multiple of 2304/);
    } finally {
      await pool.close();
    }
  });

  it("a saved model loads back (here and in TF.js's format) with identical outputs and metadata", async () => {
    const model = await lib.loadLayersModel(DIR);
    const dir = tempDir("save");
    await lib.saveLayersModel(model, dir);
    const back = await lib.loadLayersModel(dir);
    const x = new Random(3).fill(4 * 2304, 0, 1);
    expect(Array.from(back.predict(x))).toEqual(Array.from(model.predict(x)));
    expect(back.classNames).toEqual(model.classNames);
    const fresh = lib.resezap({ conv: "normal", seed: 4 });
    await lib.saveLayersModel(fresh, join(dir, "normal"));
    const fb = await lib.loadLayersModel(join(dir, "normal"));
    expect(fb.countParams()).toBe(345319);
    expect(Array.from(fb.predict(x))).toEqual(Array.from(fresh.predict(x)));
  });
});
