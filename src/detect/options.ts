import { ArgumentError } from "../errors.js";
import type { Cascade } from "./cascade.js";
import type { CompileMode } from "./compiled-scans.js";

// Detection parameters, with OpenCV's detectMultiScale defaults:
//   scaleFactor 1.1  — the window grows 10% between scales (must be > 1)
//   minNeighbors 3   — a face needs more than 3 overlapping raw detections (0 returns them ungrouped)
//   minSize none     — smallest face, pixels ([w, h] or one number for both); none = the cascade window (24 px)
//   maxSize none     — largest face; none = the image size
export interface DetectOptions {
  scaleFactor?: number;
  minNeighbors?: number;
  minSize?: number | readonly [number, number];
  maxSize?: number | readonly [number, number];
}

export interface ResolvedOptions {
  scaleFactor: number;
  minNeighbors: number;
  minSize: [number, number];
  maxSize: [number, number];
}

export const DEFAULTS: ResolvedOptions = { scaleFactor: 1.1, minNeighbors: 3, minSize: [0, 0], maxSize: [0, 0] };

export function resolveOptions(o: DetectOptions = {}, base: ResolvedOptions = DEFAULTS): ResolvedOptions {
  const scaleFactor = o.scaleFactor ?? base.scaleFactor;
  if (typeof scaleFactor !== "number" || !(scaleFactor > 1) || !Number.isFinite(scaleFactor)) {
    throw new ArgumentError(`scaleFactor: expected a number greater than 1, found ${scaleFactor}`);
  }
  const minNeighbors = o.minNeighbors ?? base.minNeighbors;
  if (!Number.isInteger(minNeighbors) || minNeighbors < 0) {
    throw new ArgumentError(`minNeighbors: expected an integer ≥ 0, found ${minNeighbors}`);
  }
  return {
    scaleFactor,
    minNeighbors,
    minSize: o.minSize === undefined ? base.minSize : size(o.minSize, "minSize"),
    maxSize: o.maxSize === undefined ? base.maxSize : size(o.maxSize, "maxSize"),
  };
}

function size(v: number | readonly [number, number], name: string): [number, number] {
  const wh = typeof v === "number" ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : null;
  if (!wh || !wh.every((n) => Number.isInteger(n) && n >= 0 && n <= 1 << 20)) {
    throw new ArgumentError(`${name}: expected a size in pixels (an integer ≥ 0, or [width, height]), found ${JSON.stringify(v)}`);
  }
  return wh as [number, number];
}

export interface FaceDetectorOptions extends DetectOptions {
  /** a parsed cascade, or cascade XML text; default: the shipped haarcascade_frontalface_default.xml */
  cascade?: Cascade | string;
  /**
   * Compile the cascade to WebAssembly for a frame size: the same results, faster (benchmarks/RESULTS.md).
   * "auto" (the default, also `true`): once frames of one size keep coming — the COMPILE_AFTER_FRAMES-th (10th)
   * frame of a size compiles (tens of milliseconds), which a stream soon repays and a few images would not;
   * "always": at the first frame; "never" (also `false`): the generic SIMD scanner always.
   * Stump cascades and trees of up to three nodes (alt2's); needs synchronous WebAssembly compilation (Node,
   * workers); where the engine refuses it the generic scanner runs and FaceDetector.compileRefused says why.
   */
  compile?: boolean | "auto" | "always" | "never";
}

/** FaceDetectorOptions.compile, checked, with true and false as the modes they stand for. */
export function compileMode(mode: FaceDetectorOptions["compile"] = "auto"): CompileMode {
  if (mode !== true && mode !== false && mode !== "auto" && mode !== "always" && mode !== "never") {
    throw new ArgumentError(`compile: expected true, false, "auto", "always" or "never", found ${JSON.stringify(mode)}`);
  }
  return mode === true ? "auto" : mode === false ? "never" : mode;
}
