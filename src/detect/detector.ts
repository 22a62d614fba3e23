import { ArgumentError } from "../errors.js";
import type { HaarExports } from "../generated/exports.js";
import { Arena, instantiateSync } from "../engine/wasm.js";
import { channelsOf } from "../image/grey.js";
import type { ImageLike } from "../image/types.js";
import { loadCascade, type Cascade } from "./cascade.js";
import { CompiledScans, type CompiledScan } from "./compiled-scans.js";
import { defaultCascade } from "./default-cascade.js";
import { finishBoxes } from "./finish.js";
import { checkSize, isEmpty, layOut, writeGrey, type Layout } from "./frame.js";
import type { Box } from "./group.js";
import { firstStageCount } from "./jit.js";
import { compileMode, resolveOptions, type DetectOptions, type FaceDetectorOptions, type ResolvedOptions } from "./options.js";
import { simdTreePaths } from "./pack.js";
import { scaleList, type Scale } from "./scales.js";
import { scanScale, type ScanStats } from "./scan.js";

// Viola–Jones face detection as OpenCV 4.6's CascadeClassifier::detectMultiScale does it, box for box:
// for every scale the grey image is shrunk (bit-exact INTER_LINEAR_EXACT, as OpenCV does), its integral images computed, and the
// cascade's fixed-size window scanned (step 2 below scale 2, else 1) — all in the `haar` WASM module; the raw
// hits are then merged by groupRectangles(minNeighbors, eps 0.2).
// Differences from OpenCV, both outside its normal use: a minSize larger than the image gives no faces
// (OpenCV would scan its largest scale), and an empty (0×0) image gives no faces instead of an assertion.
//
// A FaceDetector keeps its WASM instance, buffers and packed cascade between calls, so a stream of frames of
// one size costs no allocation after the first. The parts: options.ts (options and their checks), frame.ts
// (a frame's buffers and grey), compiled-scans.ts (when to compile, and the cache), scan.ts (one scale's scan),
// finish.ts (grouping, clipping, sorting).

export type { FaceDetectorOptions } from "./options.js";
export { COMPILE_AFTER_FRAMES } from "./compiled-scans.js";
export { groupsPerRow } from "./scan.js";
export { finishBoxes } from "./finish.js";

/**
 * A FaceDetector's private parts, for the tests that check its WASM stages window by window against the scalar
 * scan and for the profiling benchmark. Not part of the API (neither entry exports it); it exists so that those
 * tests need no casts past `private`, and a renamed field breaks them at compile time.
 */
export interface DetectorInternals {
  readonly wasm: HaarExports;
  /** the current frame size's buffers: null before the first frame */
  readonly layout: Layout | null;
  readonly firstStages: number;
  /** the compiled scan of this layout and window step (from the cache), or null where it is not compiled */
  compiledScan(L: Layout, step: number): CompiledScan | null;
  /** jit.ts's ambiguityScale for scans compiled from now on: tests widen (1e30) or close (0) the band */
  setAmbiguityScale(scale: number): void;
}

let internalsOf: (d: FaceDetector) => DetectorInternals;

/** The test hook described at DetectorInternals. */
export function detectorInternals(d: FaceDetector): DetectorInternals {
  return internalsOf(d);
}

export class FaceDetector {
  // a static block may read the private fields: the one place outside the methods that does
  static {
    internalsOf = (d) => ({
      wasm: d.wasm,
      get layout() {
        return d.layout;
      },
      firstStages: d.firstStages,
      compiledScan: (L, step) => d.compiledScan(L, step),
      setAmbiguityScale: (scale) => void (d.ambiguityScale = scale),
    });
  }

  readonly cascade: Cascade;
  private readonly defaults: ResolvedOptions;
  private readonly wasm: HaarExports;
  private readonly arena: Arena;
  private layout: Layout | null = null;
  private readonly compiled: CompiledScans;
  private readonly firstStages: number;
  /** jit.ts's ambiguityScale for scans compiled from now on (tests set it through detectorInternals) */
  private ambiguityScale = 1;
  /** jit.ts's stumpBudget for scans compiled from now on (benchmarks, tests) */
  private stumpBudget: number | undefined = undefined;
  /** a tree cascade whose trees all fit the SIMD tree scan (assembly/haar/stage4.ts) */
  private readonly simdTrees: boolean;
  /**
   * How the last call scanned its scales: compiled (stumps, and trees of up to three nodes), the generic SIMD
   * scan (the same cascades where compiling is off, not yet due, or refused), or the scalar scan (deeper trees).
   */
  readonly lastScan: ScanStats = { compiledScales: 0, genericScales: 0, treeScales: 0 };

  /**
   * The engine's message when it last refused to compile a scan synchronously (as Chromium's main thread does
   * past its size limit): those scans ran the generic SIMD scan instead, with the same boxes. Null while none was.
   */
  get compileRefused(): string | null {
    return this.compiled.refused;
  }

  constructor(options: FaceDetectorOptions = {}) {
    const c = options.cascade;
    this.cascade = c === undefined ? defaultCascade() : typeof c === "string" ? loadCascade(c) : c;
    this.defaults = resolveOptions(options);
    const mode = compileMode(options.compile);
    this.firstStages = firstStageCount(this.cascade.stageTrees);
    const cc = this.cascade;
    this.simdTrees = !cc.stumps && Array.from(cc.treeNodeCount).every((_, t) => simdTreePaths(cc, t) !== null);
    const exports = instantiateSync("haar").exports as unknown as HaarExports;
    this.wasm = exports;
    this.arena = new Arena(exports);
    this.compiled = new CompiledScans(mode, exports, cc.width * cc.height);
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
    const L = this.prepare(image.width, image.height);
    writeGrey(this.arena, this.wasm, image, ch, L);
    this.compiled.countFrame(image.width, image.height);
    const stats = this.lastScan;
    stats.compiledScales = stats.genericScales = stats.treeScales = 0;
    const ctx = {
      wasm: this.wasm, cascade: this.cascade, L, firstStages: this.firstStages, simdTrees: this.simdTrees, stats,
      compiledScan: (step: number) => this.compiledScan(L, step),
    };
    return scales.map((s) => scanScale(ctx, s));
  }

  // Buffers for one frame size, laid out once and kept while frames keep that size.
  private prepare(W: number, H: number): Layout {
    const L0 = this.layout;
    if (L0 && L0.width === W && L0.height === H) return L0;
    return (this.layout = layOut(this.arena, this.wasm, this.cascade, W, H));
  }

  private compiledScan(L: Layout, step: number): CompiledScan | null {
    return this.compiled.get(L, step, { ambiguityScale: this.ambiguityScale, stumpBudget: this.stumpBudget });
  }
}
