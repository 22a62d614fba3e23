// The page's side of web/worker.js: one request at a time as a promise, frames transferred, not copied.
// Each detector's default options in the demo: YuNet at OpenCV's threshold; the Haar cascade at the real-time
// settings (OpenCV's defaults box false faces: see the README's detector table).
export const REALTIME = Object.freeze({ scaleFactor: 1.2, minSize: 60, minNeighbors: 5 });
export const YUNET = Object.freeze({ scoreThreshold: 0.9 });
export const DEFAULT_OPTIONS = Object.freeze({ yunet: YUNET, haar: REALTIME });

export class Pipeline {
  #worker;
  #next = 1;
  #pending = new Map();

  constructor() {
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.#worker.onmessage = ({ data }) => {
      const p = this.#pending.get(data.id);
      if (!p) return;
      this.#pending.delete(data.id);
      data.ok ? p.resolve(data.result) : p.reject(new Error(data.error));
    };
    // a module that fails to load (a missing dist/, a syntax error) surfaces here, not in onmessage
    this.#worker.onerror = (e) => {
      const err = new Error(`worker: ${e.message ?? "failed to load web/worker.js (is dist/ built?)"}`);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
  }

  #call(msg, transfer = []) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /**
   * Fetches the detector (YuNet, or the cascade for detector "haar") and the model in the worker, from the
   * package's models/ beside web/, so the page works wherever the package is served from.
   */
  init(detector = "yunet") {
    const url = (path) => new URL(`../models/${path}`, import.meta.url).href;
    return this.#call({
      type: "init",
      detector,
      cascadeUrl: url("haarcascades/haarcascade_frontalface_default.xml"),
      yunetUrl: url("yunet/face_detection_yunet.onnx"),
      modelUrl: url("fer2013/model.json"),
    });
  }

  /** ImageData in, { faces, detectMs, classifyMs, totalMs } out. The ImageData's buffer goes to the worker. */
  recognize(image, options) {
    const { width, height } = image;
    const data = image.data.buffer;
    return this.#call({ type: "frame", width, height, data, options }, [data]);
  }

  bench(image, { n, warmup, options }) {
    const { width, height } = image;
    const data = image.data.buffer;
    return this.#call({ type: "bench", width, height, data, options, n, warmup }, [data]);
  }
}
