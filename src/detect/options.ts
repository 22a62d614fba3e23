import { ArgumentError } from "../errors.js";

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
