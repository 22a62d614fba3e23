import { ArgumentError } from "../errors.js";
import type { ImageLike } from "../image/types.js";
import { startWorkers } from "../util/workers.js";
import { FaceDetector, finishBoxes, type FaceDetectorOptions } from "./detector.js";
import type { Box } from "./group.js";
import { resolveOptions, type DetectOptions } from "./options.js";
import type { Scale } from "./scales.js";

// Face detection on several cores (worker_threads): one frame's scales are shared among the workers, each
// with its own FaceDetector (WASM instance, buffers, compiled cascade), and their raw hits merged in scale
// order, then grouped as detect() groups them — so the boxes are exactly FaceDetector.detect()'s. The calling
// thread converts the frame to grey once (OpenCV's cvtColor) and posts each worker the grey plane.
//
// Scales go to workers by longest-processing-time-first on an estimate of their cost (the windows scanned
// plus the pixels resized), so the workers finish at about the same time.

export interface DetectorPool {
  readonly workers: number;
  /** Faces as FaceDetector.detect() finds them, with the pool's defaults under `options`. */
  detect(image: ImageLike, options?: DetectOptions): Promise<Box[]>;
  close(): Promise<void>;
}

export interface DetectorPoolOptions extends FaceDetectorOptions {
  /** worker threads; default: the number of cores */
  workers?: number;
}

export async function createDetectorPool(options: DetectorPoolOptions = {}): Promise<DetectorPool> {
  const os = await import("node:os");
  const n = options.workers ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new ArgumentError(`createDetectorPool: workers must be an integer in 1..64, found ${options.workers}`);
  const { workers: _, ...detectorOptions } = options;
  const local = new FaceDetector(detectorOptions); // parses the cascade once; grey and scale lists here
  const defaults = resolveOptions(detectorOptions);
  const url = new URL(import.meta.url.endsWith(".ts") ? "./pool-worker.ts" : "./pool-worker.js", import.meta.url);
  const set = await startWorkers(url, n, { cascade: local.cascade, compile: options.compile ?? true });
  const scan = (i: number, grey: Uint8Array, width: number, height: number, scales: Scale[]) =>
    set.call<{ hits: Box[][] }>(i, { grey, width, height, scales }, [grey.buffer as ArrayBuffer]);
  // every worker has built its detector once it answers
  await Promise.all(Array.from({ length: n }, (_, i) => scan(i, new Uint8Array(0), 0, 0, [])));

  return {
    workers: n,
    async detect(image: ImageLike, opts?: DetectOptions): Promise<Box[]> {
      const o = resolveOptions(opts, defaults);
      const scales = local.scales(image, o);
      if (scales.length === 0) return [];
      const grey = local.grey(image);
      const parts = shareScales(scales, n);
      const answers = await Promise.all(
        parts.map((idx, i) => (idx.length ? scan(i, i === parts.length - 1 ? grey : grey.slice(), image.width, image.height, idx.map((k) => scales[k])) : null)),
      );
      const byScale: Box[][] = new Array(scales.length);
      parts.forEach((idx, i) => idx.forEach((k, j) => (byScale[k] = answers[i]!.hits[j])));
      return finishBoxes(byScale.flat(), o.minNeighbors, image.width, image.height);
    },
    close: () => set.close(),
  };
}

/** Scale indexes per worker, each list in increasing order: longest processing time first. */
export function shareScales(scales: readonly Scale[], n: number, windowW = 24, windowH = 24): number[][] {
  const cost = scales.map((s) => {
    const ww = Math.max(0, s.width + 1 - windowW), wh = Math.max(0, s.height + 1 - windowH);
    return Math.ceil(ww / s.step) * Math.ceil(wh / s.step) + s.width * s.height * 0.1;
  });
  const order = cost.map((_, k) => k).sort((a, b) => cost[b] - cost[a]);
  const load = new Array(n).fill(0);
  const parts: number[][] = Array.from({ length: n }, () => []);
  for (const k of order) {
    let best = 0;
    for (let i = 1; i < n; i++) if (load[i] < load[best]) best = i;
    load[best] += cost[k];
    parts[best].push(k);
  }
  for (const p of parts) p.sort((a, b) => a - b);
  return parts;
}
