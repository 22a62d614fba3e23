import { channelsOf } from "../image/grey.js";
import type { ImageLike } from "../image/types.js";
import { startWorkers, workerCount } from "../util/workers.js";
import { readPackageFile } from "../util/package-file.js";
import { resolveYuNetOptions, YuNetDetector, yunetInputSize, yunetUrl, YUNET_FILE, type DetectedFace, type YuNetOptions } from "./yunet.js";

// YuNet on several cores: whole frames go to worker_threads, each with its own YuNetDetector (WASM instance and
// compiled programs), to the worker with the fewest frames in flight. One frame is not split: YuNet's receptive
// field spans most of a frame, so bands would need overlaps as large as themselves. The pool raises throughput
// (frames of a video or a folder in flight together) and frees the calling thread, which can classify one
// frame's faces while the workers detect the next; a single frame takes as long as YuNetDetector.detect().

export interface YuNetDetectorPool {
  /** worker threads */
  readonly workers: number;
  /** Faces as YuNetDetector.detect() finds them, with the pool's defaults under `options`. */
  detect(image: ImageLike, options?: YuNetOptions): Promise<DetectedFace[]>;
  close(): Promise<void>;
}

export interface YuNetPoolOptions extends YuNetOptions {
  /** worker threads; default: the number of cores less one (at least one) */
  workers?: number;
  /** the bytes of a YuNet .onnx file; default: the model shipped in models/yunet/ */
  model?: Uint8Array;
}

export async function createYuNetPool(options: YuNetPoolOptions = {}): Promise<YuNetDetectorPool> {
  const os = await import("node:os");
  const n = workerCount(options.workers, Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1), 64, "createDetectorPool");
  const { workers: _, model, ...detectOptions } = options;
  const defaults = resolveYuNetOptions(detectOptions);
  const bytes = model ?? readPackageFile({ url: yunetUrl(), file: YUNET_FILE, what: "YuNet", kind: "model", instead: `pass the bytes of ${YUNET_FILE} as options.model` });
  YuNetDetector.fromBytes(bytes, model ? "options.model" : YUNET_FILE); // not YuNet-shaped: refused here, typed, before any worker starts
  const url = new URL(import.meta.url.endsWith(".ts") ? "./yunet-pool-worker.ts" : "./yunet-pool-worker.js", import.meta.url);
  const set = await startWorkers(url, n, { model: bytes });
  const inFlight = new Array<number>(n).fill(0);
  const send = async (i: number, msg: object, transfer: ArrayBuffer[] = []) => {
    inFlight[i]++;
    try {
      return await set.call<{ faces: DetectedFace[] }>(i, msg, transfer);
    } finally {
      inFlight[i]--;
    }
  };
  // every worker has loaded the model (a bad file is refused here, once) when it answers
  await Promise.all(Array.from({ length: n }, (_, i) => send(i, { ping: true })));

  return {
    workers: n,
    async detect(image: ImageLike, opts?: YuNetOptions): Promise<DetectedFace[]> {
      const o = resolveYuNetOptions({ ...defaults, ...Object.fromEntries(Object.entries(opts ?? {}).filter(([, v]) => v !== undefined)) });
      const ch = channelsOf(image, "frame");
      yunetInputSize(image); // the frame's checks, here, with the caller's stack
      let best = 0;
      for (let i = 1; i < n; i++) if (inFlight[i] < inFlight[best]) best = i;
      const data = image.data.slice();
      const answer = await send(best, { data, width: image.width, height: image.height, channels: ch, options: o }, [data.buffer as ArrayBuffer]);
      return answer.faces;
    },
    close: () => set.close(),
  };
}
