import type { HaarExports } from "../generated/exports.js";
import type { Cascade } from "./cascade.js";
import type { CompiledScan } from "./compiled-scans.js";
import type { Layout } from "./frame.js";
import type { Box } from "./group.js";
import { cvRound, f32 } from "./round.js";
import type { Scale } from "./scales.js";

// One scale of the pyramid scanned, in the haar instance: the frame's grey shrunk to the scale, its integral
// images, then the cascade's window at every position (step 2 below scale 2, else 1); the hits as boxes.

/** How the last call scanned its scales (FaceDetector.lastScan). */
export interface ScanStats {
  compiledScales: number;
  genericScales: number;
  treeScales: number;
}

export interface ScanContext {
  wasm: HaarExports;
  cascade: Cascade;
  /** the frame's buffers, its grey already in place */
  L: Layout;
  /** stages the generic SIMD scan runs on groups of four windows before queueing the survivors */
  firstStages: number;
  /** a tree cascade whose trees all fit the SIMD tree scan (assembly/haar/stage4.ts) */
  simdTrees: boolean;
  /** the cascade compiled for the layout and a step, or null for the generic scan */
  compiledScan(step: number): CompiledScan | null;
  stats: ScanStats;
}

/** The raw hits of one scale, in scan order, as [x, y, w, h] in the frame's pixels. */
export function scanScale(x: ScanContext, s: Scale): Box[] {
  const { wasm: w, cascade: c, L } = x;
  const W = L.width, H = L.height;
  const sqsum = L.sum + L.stride * (H + 1) * 4;
  const tilted = sqsum + L.stride * (H + 1) * 4;
  let src = L.grey;
  if (s.width !== W || s.height !== H) {
    w.resizeLinearExact(L.grey, W, H, L.resized, s.width, s.height, L.scratch);
    src = L.resized;
  }
  const ww = s.width + 1 - c.width, wh = s.height + 1 - c.height;
  if (ww <= 0 || wh <= 0) return [];
  w.integral(src, s.width, s.height, L.sum, sqsum, L.stride);
  if (c.hasTilted) w.tiltedIntegral(src, s.width, s.height, tilted, L.stride, L.scratch);
  let n: number;
  if (c.stumps || x.simdTrees) {
    // The first stages on groups of four neighbouring windows, then the survivors queued and run through
    // the later stages: compiled for this frame width where possible (jit.ts: the queue regrouped into
    // neighbours; stumps and trees of up to three nodes), else the generic SIMD scan (queue.ts: packs of
    // any four windows); the same results.
    const compiled = x.compiledScan(s.step);
    const s1 = compiled ? compiled.stages : x.firstStages;
    const groups = groupsPerRow(ww, s.step);
    const rows = Math.ceil(wh / s.step);
    if (compiled) {
      compiled.scan(L.sum, groups, rows, L.res);
      x.stats.compiledScales++;
    } else {
      w.scanGroups(L.cascade, L.sum, L.stride, groups, rows, s.step, s1, L.res);
      x.stats.genericScales++;
    }
    const queued = w.queueSurvivors(L.sum, L.stride, ww, wh, s.step, L.res, L.queue);
    // the later stages: compiled (groups of neighbours), or the generic queue (packs of four anywhere);
    // runQueue then writes the accepted windows' (x, y)
    const left = compiled ? compiled.run(L.queue, queued) : queued;
    n = w.runQueue(L.cascade, L.queue, left, compiled ? compiled.end : s1, L.sum, L.stride, L.out);
  } else {
    // trees deeper than pack.ts's SIMD_TREE_NODES: the scalar scan
    n = w.scan(L.cascade, L.sum, L.stride, ww, wh, s.step, L.out);
    x.stats.treeScales++;
  }
  const xy = new Int32Array(w.memory.buffer, L.out, n * 2);
  const hits: Box[] = [];
  for (let i = 0; i < n; i++) {
    hits.push([cvRound(f32(xy[2 * i] * s.scale)), cvRound(f32(xy[2 * i + 1] * s.scale)), s.winW, s.winH]);
  }
  return hits;
}

/**
 * Groups of four neighbouring windows a row for the first-stage scans: ⌈ww / (4·step)⌉, the last one partial when
 * ww is not a multiple of 4·step. Its lanes past the row's last window read integral entries beyond the row
 * (within the row's slack, the next row, or the plane after the last row: always inside the arena) and their
 * results are not read (queue.ts's queueSurvivors).
 */
export function groupsPerRow(ww: number, step: number): number {
  return Math.ceil(ww / (4 * step));
}
