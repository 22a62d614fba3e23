import { ArgumentError } from "../errors.js";
import { channelsOf } from "../image/grey.js";
import type { ImageLike } from "../image/types.js";
import { startWorkers, workerCount } from "../util/workers.js";
import { FaceDetector, finishBoxes, type FaceDetectorOptions } from "./detector.js";
import type { Box } from "./group.js";
import { resolveOptions, type DetectOptions } from "./options.js";
import type { Scale } from "./scales.js";
import { createYuNetPool, type YuNetDetectorPool, type YuNetPoolOptions } from "./yunet-pool.js";

// Face detection on several cores: one frame's scales are shared between the calling thread and worker_threads,
// each with its own FaceDetector (WASM instance, buffers, compiled cascade); the raw hits are merged in scale
// order and grouped as detect() groups them, so the boxes are exactly FaceDetector.detect()'s. The calling
// thread posts each worker a copy of the frame, scans its own share while they scan theirs (which also hides
// the time a sleeping worker takes to wake), then waits; every thread converts the frame to grey itself.
//
// Scales are shared longest-processing-time-first on an estimate of their cost (the windows scanned plus the
// pixels resized); workers start with a small handicap for their wake-up.

export interface DetectorPool {
  /** worker threads, besides the calling thread */
  readonly workers: number;
  /** Faces as FaceDetector.detect() finds them, with the pool's defaults under `options`. */
  detect(image: ImageLike, options?: DetectOptions): Promise<Box[]>;
  close(): Promise<void>;
}

export interface DetectorPoolOptions extends FaceDetectorOptions {
  /** worker threads besides the calling thread; default: the number of cores less one (at least one) */
  workers?: number;
}

/**
 * Detection on worker threads. Haar (the default): each frame's scales shared between the calling thread and
 * the workers, the boxes exactly FaceDetector.detect()'s. `detector: "yunet"`: whole frames to the least busy
 * worker (src/detect/yunet-pool.ts), the faces exactly YuNetDetector.detect()'s.
 */
export async function createDetectorPool(options: YuNetPoolOptions & { detector: "yunet" }): Promise<YuNetDetectorPool>;
export async function createDetectorPool(options?: DetectorPoolOptions & { detector?: "haar" }): Promise<DetectorPool>;
export async function createDetectorPool(options: (DetectorPoolOptions | YuNetPoolOptions) & { detector?: "haar" | "yunet" } = {}): Promise<DetectorPool | YuNetDetectorPool> {
  const { detector, ...rest } = options;
  if (detector === "yunet") return createYuNetPool(rest as YuNetPoolOptions);
  if (detector !== undefined && detector !== "haar") throw new ArgumentError(`createDetectorPool: detector must be "haar" or "yunet", found ${JSON.stringify(detector)}`);
  return createHaarPool(rest as DetectorPoolOptions);
}

async function createHaarPool(options: DetectorPoolOptions): Promise<DetectorPool> {
  const os = await import("node:os");
  const n = workerCount(options.workers, Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1), 64, "createDetectorPool");
  const { workers: _, ...detectorOptions } = options;
  const local = new FaceDetector(detectorOptions); // parses the cascade once; grey, scale lists and a share here
  const defaults = resolveOptions(detectorOptions);
  const url = new URL(import.meta.url.endsWith(".ts") ? "./pool-worker.ts" : "./pool-worker.js", import.meta.url);
  const set = await startWorkers(url, n, { cascade: local.cascade, compile: options.compile ?? "auto" });
  const scan = (i: number, data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: number, scales: Scale[]) =>
    set.call<{ hits: Box[][] }>(i, { data, width, height, channels, scales }, [data.buffer as ArrayBuffer]);
  // every worker has built its detector once it answers
  await Promise.all(Array.from({ length: n }, (_, i) => scan(i, new Uint8Array(0), 0, 0, 1, [])));

  return {
    workers: n,
    async detect(image: ImageLike, opts?: DetectOptions): Promise<Box[]> {
      const o = resolveOptions(opts, defaults);
      const scales = local.scales(image, o);
      if (scales.length === 0) return [];
      // part 0 is the calling thread's, parts 1..n the workers'; each thread converts the frame to grey itself
      // (a copy of the pixels is posted, so the workers start at once)
      const parts = shareScales(scales, n + 1);
      const ch = channelsOf(image);
      const pending = parts.slice(1).map((idx, i) => (idx.length ? scan(i, image.data.slice(), image.width, image.height, ch, idx.map((k) => scales[k])) : null));
      const byScale: Box[][] = new Array(scales.length);
      const own = parts[0].length ? local.scanScales(image, parts[0].map((k) => scales[k])) : [];
      parts[0].forEach((k, j) => (byScale[k] = own[j]));
      const answers = await Promise.all(pending);
      parts.slice(1).forEach((idx, i) => idx.forEach((k, j) => (byScale[k] = answers[i]!.hits[j])));
      return finishBoxes(byScale.flat(), o.minNeighbors, image.width, image.height);
    },
    close: () => set.close(),
  };
}

/**
 * Scale indexes per thread, each list in increasing order: longest processing time first; threads after the
 * first (the workers) start with a handicap of `wakeShare` of the total cost.
 */
export function shareScales(scales: readonly Scale[], n: number, windowW = 24, windowH = 24, wakeShare = 0.03): number[][] {
  const cost = scales.map((s) => {
    const ww = Math.max(0, s.width + 1 - windowW), wh = Math.max(0, s.height + 1 - windowH);
    return Math.ceil(ww / s.step) * Math.ceil(wh / s.step) + s.width * s.height * 0.1;
  });
  const order = cost.map((_, k) => k).sort((a, b) => cost[b] - cost[a]);
  const total = cost.reduce((a, b) => a + b, 0);
  const load = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : wakeShare * total));
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
