import { ResezapError } from "../errors.js";
import type { HaarExports } from "../generated/exports.js";
import type { Layout } from "./frame.js";
import { compileCascade } from "./jit.js";

// When a detector compiles its cascade to WebAssembly (src/detect/jit.ts), and the compiled scans it keeps.

/** The cascade compiled for a frame width and step (src/detect/jit.ts): first stages, then the queue. */
export interface CompiledScan {
  scan(sum: number, groups: number, rows: number, out: number): void;
  run(queue: number, n: number): number;
  stages: number;
  end: number;
}

export type CompileMode = "auto" | "always" | "never";

/** jit.ts's knobs for scans compiled from now on (tests widen or close the band; benchmarks set the budget). */
export interface JitTuning {
  ambiguityScale: number;
  stumpBudget: number | undefined;
}

/**
 * "auto" compiles a frame size's scan at its tenth frame: compiling and the engine's warm-up cost a few
 * frames' time (benchmarks/detect-profile.mjs prints it), which a stream repays within a second or two and a
 * handful of images would not.
 */
export const COMPILE_AFTER_FRAMES = 10;

export class CompiledScans {
  /** frames scanned per frame size ("W×H"), for compile "auto"; the last few sizes */
  private readonly framesBySize = new Map<string, number>();
  private readonly cache = new Map<string, CompiledScan | null>();
  /** the engine's message when it last refused to compile a scan synchronously; null while none was refused */
  refused: string | null = null;

  constructor(private readonly mode: CompileMode, private readonly wasm: HaarExports, private readonly windowArea: number) {}

  /** Counts a frame of this size (compile "auto" waits for COMPILE_AFTER_FRAMES of one size). */
  countFrame(W: number, H: number): void {
    const size = `${W}×${H}`;
    const frames = (this.framesBySize.get(size) ?? 0) + 1;
    this.framesBySize.delete(size);
    this.framesBySize.set(size, frames);
    if (this.framesBySize.size > 16) this.framesBySize.delete(this.framesBySize.keys().next().value!);
  }

  // The cascade compiled for this layout and step, once (with compile "auto", not before the size's
  // COMPILE_AFTER_FRAMES-th frame); null where it cannot be (trees, a huge cascade, or an engine that refuses
  // synchronous compilation, as browsers' main threads do for large modules: see `refused`). The code
  // depends on the stride and the packed cascade's address, which a frame size always lays out the same way,
  // so the last few are kept across size changes (a stream alternating between sizes compiles each once).
  get(L: Layout, step: number, tuning: JitTuning): CompiledScan | null {
    if (this.mode === "never") return null;
    const key = `${L.stride} ${step} ${L.cascade}`;
    let f = this.cache.get(key);
    if (f === undefined) {
      if (this.mode === "auto" && (this.framesBySize.get(`${L.width}×${L.height}`) ?? 0) < COMPILE_AFTER_FRAMES) return null;
      f = null;
      const compiled = compileCascade(this.wasm.memory.buffer, { stride: L.stride, step, cascade: L.cascade, windowArea: this.windowArea, ambiguityScale: tuning.ambiguityScale, stumpBudget: tuning.stumpBudget });
      if (compiled) {
        try {
          const inst = new WebAssembly.Instance(new WebAssembly.Module(compiled.bytes), { env: { memory: this.wasm.memory, stageExact: this.wasm.stumpStageExact } });
          f = { scan: inst.exports.scan as CompiledScan["scan"], run: inst.exports.run as CompiledScan["run"], stages: compiled.stages, end: compiled.end };
        } catch (e) {
          // An engine that will not compile synchronously (Chromium's main thread past its size limit) throws a
          // RangeError: the generic scan runs, with the same results, and the refusal is kept for the caller to
          // see. Anything else (CompileError, LinkError) is a module jit.ts wrote wrong: a bug, not a fallback.
          if (!(e instanceof RangeError)) {
            throw new ResezapError(`internal: the cascade compiled for stride ${L.stride}, step ${step} does not load: ${(e as Error).message}`);
          }
          this.refused = e.message;
        }
      }
      this.cache.set(key, f);
      if (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value!);
    }
    return f;
  }
}
