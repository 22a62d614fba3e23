import { ImageError, LimitError, ArgumentError } from "../errors.js";
import type { HaarExports } from "../generated/exports.js";
import { LIMITS } from "../limits.js";
import { Arena, instantiateSync } from "../engine/wasm.js";
import { channelsOf } from "../image/grey.js";
import type { ImageLike } from "../image/types.js";
import { loadCascade, type Cascade } from "./cascade.js";
import { defaultCascade } from "./default-cascade.js";
import { groupRectangles, type Box } from "./group.js";
import { resolveOptions, type DetectOptions, type ResolvedOptions } from "./options.js";
import { packCascade, packedSize, simdTreePaths } from "./pack.js";
import { compileCascade, firstStageCount } from "./jit.js";
import { cvRound, f32 } from "./round.js";
import { scaleList, type Scale } from "./scales.js";

// Viola–Jones face detection as OpenCV 4.6's CascadeClassifier::detectMultiScale does it, box for box:
// for every scale the grey image is shrunk (bit-exact INTER_LINEAR_EXACT, as OpenCV does), its integral images computed, and the
// cascade's fixed-size window scanned (step 2 below scale 2, else 1) — all in the `haar` WASM module; the raw
// hits are then merged by groupRectangles(minNeighbors, eps 0.2).
// Differences from OpenCV, both outside its normal use: a minSize larger than the image gives no faces
// (OpenCV would scan its largest scale), and an empty (0×0) image gives no faces instead of an assertion.
//
// A FaceDetector keeps its WASM instance, buffers and packed cascade between calls, so a stream of frames of
// one size costs no allocation after the first.

const GROUP_EPS = 0.2;

/** The cascade compiled for a frame width and step (src/detect/jit.ts): first stages, then the queue. */
interface CompiledScan {
  scan(sum: number, groups: number, rows: number, out: number): void;
  run(queue: number, n: number): number;
  stages: number;
  end: number;
}

interface Layout {
  width: number;
  height: number;
  stride: number;
  input: number;
  grey: number;
  resized: number;
  sum: number;
  scratch: number;
  out: number;
  cascade: number;
  /** the first-stage scan's per-group results and variance factors */
  res: number;
  /** windows that passed the compiled stages (assembly/haar/queue.ts) */
  queue: number;
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
   * workers); elsewhere the generic scanner runs.
   */
  compile?: boolean | "auto" | "always" | "never";
}

/**
 * "auto" compiles a frame size's scan at its tenth frame: compiling and the engine's warm-up cost a few
 * frames' time (benchmarks/detect-profile.mjs prints it), which a stream repays within a second or two and a
 * handful of images would not.
 */
export const COMPILE_AFTER_FRAMES = 10;

export class FaceDetector {
  readonly cascade: Cascade;
  private readonly defaults: ResolvedOptions;
  private readonly wasm: HaarExports;
  private readonly arena: Arena;
  private layout: Layout | null = null;
  private readonly compile: "auto" | "always" | "never";
  /** frames scanned per frame size ("W×H"), for compile "auto"; the last few sizes */
  private readonly framesBySize = new Map<string, number>();
  private readonly firstStages: number;
  private readonly compiledCache = new Map<string, CompiledScan | null>();
  /** jit.ts's ambiguityScale for scans compiled from now on (tests widen or close the band) */
  private ambiguityScale = 1;
  /** jit.ts's stumpBudget for scans compiled from now on (benchmarks, tests) */
  private stumpBudget: number | undefined = undefined;
  /** a tree cascade whose trees all fit the SIMD tree scan (assembly/haar/stage4.ts) */
  private readonly simdTrees: boolean;
  /**
   * How the last call scanned its scales: compiled (stumps, and trees of up to three nodes), the generic SIMD
   * scan (the same cascades where compiling is off, not yet due, or refused), or the scalar scan (deeper trees).
   */
  readonly lastScan = { compiledScales: 0, genericScales: 0, treeScales: 0 };

  constructor(options: FaceDetectorOptions = {}) {
    const c = options.cascade;
    this.cascade = c === undefined ? defaultCascade() : typeof c === "string" ? loadCascade(c) : c;
    this.defaults = resolveOptions(options);
    const mode = options.compile ?? "auto";
    if (mode !== true && mode !== false && mode !== "auto" && mode !== "always" && mode !== "never") {
      throw new ArgumentError(`compile: expected true, false, "auto", "always" or "never", found ${JSON.stringify(mode)}`);
    }
    this.compile = mode === true ? "auto" : mode === false ? "never" : mode;
    this.firstStages = firstStageCount(this.cascade.stageTrees);
    const cc = this.cascade;
    this.simdTrees = !cc.stumps && Array.from(cc.treeNodeCount).every((_, t) => simdTreePaths(cc, t) !== null);
    const exports = instantiateSync("haar").exports as unknown as HaarExports;
    this.wasm = exports;
    this.arena = new Arena(exports);
  }

  /** Faces as [x, y, width, height], sorted left to right (then top to bottom). */
  detect(image: ImageLike, options?: DetectOptions): Box[] {
    const o = resolveOptions(options, this.defaults);
    return finishBoxes(this.candidates(image, o), o.minNeighbors, image.width, image.height);
  }

  /** The raw window hits before grouping and clipping to the image, in scan order. */
  candidates(image: ImageLike, options?: DetectOptions): Box[] {
    const scales = this.scales(image, options);
    return scales.length === 0 ? [] : this.scanScales(image, scales).flat();
  }

  /** The scales detect() scans for this image and these options (none for an empty image). */
  scales(image: ImageLike, options?: DetectOptions): Scale[] {
    const o = resolveOptions(options, this.defaults);
    if (isEmpty(image)) return [];
    checkSize(image);
    channelsOf(image); // checks the data's length
    const c = this.cascade;
    const scales = scaleList(image.width, image.height, c.width, c.height, o.scaleFactor, o.minSize, o.maxSize);
    if (scales === "too-many") throw new ArgumentError(`scaleFactor ${o.scaleFactor} is too close to 1: over 4096 scales`);
    return scales;
  }

  /**
   * The raw hits of each of the given scales (as scales() lists them), one array per scale: detect() over a
   * part of the pyramid, as the detector pool (pool.ts) shares a frame's scales among workers.
   */
  scanScales(image: ImageLike, scales: readonly Scale[]): Box[][] {
    checkSize(image);
    const ch = channelsOf(image);
    const { width: W, height: H } = image;
    const c = this.cascade;
    const L = this.prepare(W, H);
    this.setGrey(image, ch, L);
    const size = `${W}×${H}`;
    const frames = (this.framesBySize.get(size) ?? 0) + 1;
    this.framesBySize.delete(size);
    this.framesBySize.set(size, frames);
    if (this.framesBySize.size > 16) this.framesBySize.delete(this.framesBySize.keys().next().value!);
    const w = this.wasm;
    const sqsum = L.sum + L.stride * (H + 1) * 4;
    const tilted = sqsum + L.stride * (H + 1) * 4;
    const out: Box[][] = [];
    const stats = this.lastScan;
    stats.compiledScales = stats.genericScales = stats.treeScales = 0;
    for (const s of scales) {
      const hits: Box[] = [];
      out.push(hits);
      let src = L.grey;
      if (s.width !== W || s.height !== H) {
        w.resizeLinearExact(L.grey, W, H, L.resized, s.width, s.height, L.scratch);
        src = L.resized;
      }
      const ww = s.width + 1 - c.width, wh = s.height + 1 - c.height;
      if (ww <= 0 || wh <= 0) continue;
      w.integral(src, s.width, s.height, L.sum, sqsum, L.stride);
      if (c.hasTilted) w.tiltedIntegral(src, s.width, s.height, tilted, L.stride, L.scratch);
      let n: number;
      if (c.stumps || this.simdTrees) {
        // The first stages on groups of four neighbouring windows, then the survivors queued and run through
        // the later stages: compiled for this frame width where possible (jit.ts: the queue regrouped into
        // neighbours; stumps and trees of up to three nodes), else the generic SIMD scan (queue.ts: packs of
        // any four windows); the same results.
        const compiled = this.compiledScan(L, s.step);
        const s1 = compiled ? compiled.stages : this.firstStages;
        const groups = groupsPerRow(ww, s.step);
        const rows = Math.ceil(wh / s.step);
        if (compiled) {
          compiled.scan(L.sum, groups, rows, L.res);
          stats.compiledScales++;
        } else {
          w.scanGroups(L.cascade, L.sum, L.stride, groups, rows, s.step, s1, L.res);
          stats.genericScales++;
        }
        const queued = w.queueSurvivors(L.sum, L.stride, ww, wh, s.step, L.res, L.queue);
        // the later stages: compiled (groups of neighbours), or the generic queue (packs of four anywhere);
        // runQueue then writes the accepted windows' (x, y)
        const left = compiled ? compiled.run(L.queue, queued) : queued;
        n = w.runQueue(L.cascade, L.queue, left, compiled ? compiled.end : s1, L.sum, L.stride, L.out);
      } else {
        // trees deeper than pack.ts's SIMD_TREE_NODES: the scalar scan
        n = w.scan(L.cascade, L.sum, L.stride, ww, wh, s.step, L.out);
        stats.treeScales++;
      }
      const xy = new Int32Array(this.wasm.memory.buffer, L.out, n * 2);
      for (let i = 0; i < n; i++) {
        hits.push([cvRound(f32(xy[2 * i] * s.scale)), cvRound(f32(xy[2 * i + 1] * s.scale)), s.winW, s.winH]);
      }
    }
    return out;
  }

  // Grey in WASM memory. Not src/image/grey.ts's toGrey: that uses OpenCV's older 14-bit coefficients, which
  // differ from OpenCV 4.6's cvtColor on about 1 pixel in 5000 — enough to move a detection.
  private setGrey(image: ImageLike, ch: number, L: Layout): void {
    const n = L.width * L.height;
    if (ch === 1) {
      this.arena.u8.set(image.data, L.grey);
      return;
    }
    this.arena.u8.set(image.data, L.input);
    this.wasm.toGrey(L.input, n, ch, L.grey);
  }

  // Buffers for one frame size, laid out once and kept while frames keep that size.
  private prepare(W: number, H: number): Layout {
    const L0 = this.layout;
    if (L0 && L0.width === W && L0.height === H) return L0;
    const a = this.arena;
    a.reset();
    const c = this.cascade;
    const stride = (W + 1 + 3) & ~3;
    const plane = stride * (H + 1) * 4;
    const input = a.alloc(W * H * 4);
    const grey = a.alloc(W * H);
    const resized = a.alloc(W * H);
    const sum = a.alloc(plane * (c.hasTilted ? 3 : 2));
    // resizeLinearExact: 28 bytes a column; tiltedIntegral: 4·(W + 1) + 8·(W + H + 1)
    const scratch = a.alloc(Math.max(28 * (W + 1), 4 * (W + 1) + 8 * (W + H + 1)));
    // At most one hit per window position of a scale: (W/2 + 1)·(H/2 + 1) for step 2 at scale < 2, and
    // (W/s + 1)·(H/s + 1) ≤ the same for step 1 at scale ≥ 2.
    const out = a.alloc(((W >> 1) + 2) * ((H >> 1) + 2) * 8);
    // The first-stage scan's results: 32 bytes per group of four windows, ⌈ww/(4·step)⌉ groups a row and
    // ⌈wh/step⌉ rows, ww < W/step and wh < H/step for both steps (step 1 only at scale ≥ 2).
    const res = a.alloc(32 * ((W >> 3) + 2) * ((H >> 1) + 2));
    // one 8-byte entry per window at most: as `out`
    const queue = a.alloc(((W >> 1) + 2) * ((H >> 1) + 2) * 8);
    const cascade = a.alloc(packedSize(c));
    packCascade(c, { stride, sqofsBytes: plane, tofsBytes: 2 * plane }, this.wasm.memory.buffer, cascade);
    this.layout = { width: W, height: H, stride, input, grey, resized, sum, scratch, out, cascade, res, queue };
    return this.layout;
  }

  // The cascade compiled for this layout and step, once (with compile "auto", not before the size's
  // COMPILE_AFTER_FRAMES-th frame); null where it cannot be (trees, a huge cascade, or
  // an engine that refuses synchronous compilation, as browsers' main threads do for large modules). The code
  // depends on the stride and the packed cascade's address, which a frame size always lays out the same way,
  // so the last few are kept across size changes (a stream alternating between sizes compiles each once).
  private compiledScan(L: Layout, step: number): CompiledScan | null {
    if (this.compile === "never") return null;
    const key = `${L.stride} ${step} ${L.cascade}`;
    let f = this.compiledCache.get(key);
    if (f === undefined) {
      if (this.compile === "auto" && (this.framesBySize.get(`${L.width}×${L.height}`) ?? 0) < COMPILE_AFTER_FRAMES) return null;
      f = null;
      const compiled = compileCascade(this.wasm.memory.buffer, { stride: L.stride, step, cascade: L.cascade, windowArea: this.cascade.width * this.cascade.height, ambiguityScale: this.ambiguityScale, stumpBudget: this.stumpBudget });
      if (compiled) {
        try {
          const inst = new WebAssembly.Instance(new WebAssembly.Module(compiled.bytes), { env: { memory: this.wasm.memory, stageExact: this.wasm.stumpStageExact } });
          f = { scan: inst.exports.scan as CompiledScan["scan"], run: inst.exports.run as CompiledScan["run"], stages: compiled.stages, end: compiled.end };
        } catch {
          f = null;
        }
      }
      this.compiledCache.set(key, f);
      if (this.compiledCache.size > 8) this.compiledCache.delete(this.compiledCache.keys().next().value!);
    }
    return f;
  }
}

function isEmpty(img: ImageLike): boolean {
  return (img.width === 0 || img.height === 0) && Number.isInteger(img.width) && Number.isInteger(img.height) && img.data?.length === 0;
}

function checkSize(img: ImageLike): void {
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageError(`image: width and height must be positive integers, found ${width}×${height}`);
  }
  if (width > LIMITS.maxImageSide || height > LIMITS.maxImageSide || width * height > LIMITS.maxImagePixels) {
    throw new LimitError(`image: ${width}×${height}, over the limit of ${LIMITS.maxImageSide} px a side and ${LIMITS.maxImagePixels} pixels`);
  }
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

/** detectMultiScale's last steps on the raw hits: groupRectangles, clipping to the image, sorting. */
export function finishBoxes(raw: Box[], minNeighbors: number, W: number, H: number): Box[] {
  return sortBoxes(clipBoxes(groupRectangles(raw, minNeighbors, GROUP_EPS), W, H));
}

// OpenCV's CascadeClassifier::detectMultiScale ends with clipObjects: boxes cut to the image, empty ones dropped.
function clipBoxes(boxes: Box[], W: number, H: number): Box[] {
  const out: Box[] = [];
  for (const [x, y, w, h] of boxes) {
    const x0 = Math.max(x, 0), y0 = Math.max(y, 0);
    const x1 = Math.min(x + w, W), y1 = Math.min(y + h, H);
    if (x1 > x0 && y1 > y0) out.push([x0, y0, x1 - x0, y1 - y0]);
  }
  return out;
}

function sortBoxes(b: Box[]): Box[] {
  return b.sort((p, q) => p[0] - q[0] || p[1] - q[1] || p[2] - q[2]);
}
