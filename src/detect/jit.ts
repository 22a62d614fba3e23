import { Code, emitModule, I32, Op, Simd, V128, VOID, type FuncDef } from "./wasm-emit.js";
import { PACK, stageBand } from "./pack.js";

// A cascade compiled to WebAssembly — stumps (frontalface_default), or trees of up to three nodes (alt2) —
// once per frame width (the corner offsets depend on the integral images' row stride) and window step. Each stage is a function over four neighbouring windows (x, x+step,
// x+2·step, x+3·step of one row): every rectangle corner a v128.load with a constant offset (the corners a
// stump's rectangles share loaded once), every threshold and leaf a load32_splat from a constant address in the
// packed cascade — against the generic scanner (assembly/haar/scan4.ts), which reads offsets and constants from
// the packed cascade at run time. See stageFunction for the two exact shortcuts in a stump stage's arithmetic
// (tree stages, treeStageFunction, take the first only).
//
// Two drivers, as the generic path has (scan4.ts, then queue.ts):
// - scan(sum, groups, rows, out): the first stage (COMPILED_FIRST_STAGES) on every group of the scale,
//   `rows` rows (step apart) of `groups` groups from integral entry `sum`; per group the four results (1 passed
//   the compiled stages, −s rejected by stage s, −1 refused for low variance) and the four variance factors, for
//   queue.ts's queueSurvivors, which applies OpenCV's visiting rule and queues the survivors. Every lane runs to
//   its end (none is dropped because OpenCV would not visit it).
// - run(queue, n) → n: the later stages, stage by stage over the queue (queuePass): the survivors regrouped into
//   neighbours, so each stage's code runs for every queued group in turn and stays in the instruction caches
//   (running each group through every stage instead — ~3000 stumps of straight-line code — measured no faster
//   than the generic loop).
//
// Every lane's result is what scan.ts's evalStumpsTo computes for the same window: bit-identical decisions.

export interface JitGeometry {
  /** integral images' row stride, in i32 entries */
  stride: number;
  /** window step: 1 or 2 */
  step: number;
  /** byte address of the packed cascade in the detector's memory */
  cascade: number;
  /** the cascade's window, pixels (width · height) */
  windowArea: number;
  /** widens the band of stage sums the f32 sum leaves to the exact stage (tests); default 1 */
  ambiguityScale?: number;
  /** weak classifiers (stumps or trees) compiled in all; default JIT_TOTAL_STUMP_BUDGET */
  stumpBudget?: number;
}

// Function indexes in the compiled module: the imported exact stage, the scan driver, then the stages.
const STAGE_EXACT = 0, STAGE0 = 2;

/** The generic path's first stages (scan4.ts, before the gathered queue): stages up to this many stumps. */
const GENERIC_FIRST_STUMPS = 60;
/**
 * Stages the compiled scan runs on every group, before the queue: the first alone. Past it, the queue's
 * regrouping packs the survivors tighter (3.0 live lanes a group at stage 1 on the benchmark frame, against 2.4
 * in the scan's fixed groups) and drops the windows OpenCV does not visit. Measured back to back at the real-time
 * settings: 11.41 / 10.63 / 11.35 ms with the first stage alone (9 stumps), 11.21 / 10.82 / 11.20 with two
 * (25 stumps), 11.74 / 11.33 / 11.29 with three (52 stumps); at OpenCV's defaults 41.7, 44.2 and 44.9 ms.
 */
const COMPILED_FIRST_STAGES = 1;
/** Weak classifiers (stumps or trees) compiled in all (compiledStageCount). */
const JIT_TOTAL_STUMP_BUDGET = 600;
/** Largest cascade compiled (stages, stumps in a stage, stumps in all); a larger one uses the generic scanner. */
const JIT_MAX_STAGES = 100, JIT_MAX_STAGE = 2_000, JIT_MAX_STUMPS = 10_000;

export interface CompiledCascade {
  /** the module: imports env.memory; exports scan(sum, groups, rows, out) and run(queue, n) */
  bytes: Uint8Array<ArrayBuffer>;
  /** the stages scan runs (0 to stages − 1) */
  stages: number;
  /** run runs stages `stages` to end − 1 over the queue; the generic queue (queue.ts) runs any after them */
  end: number;
}

/**
 * Stages compiled in all (first stages and queued ones): while their stumps add up to `budget`, at least the
 * first `first`. The last stages are the largest and see the fewest windows (on the benchmark frame, stages 10–24
 * hold 80 % of frontalface_default's stumps and under a fifth of the queue's work): left to the generic queue,
 * they cost little, and the module and its compile time shrink about fivefold.
 */
function compiledStageCount(stageTrees: ArrayLike<number>, first: number, budget: number): number {
  let k = 0, stumps = 0;
  while (k < stageTrees.length && (k < first || stumps + stageTrees[k] <= budget)) stumps += stageTrees[k++];
  return k;
}

/**
 * How many first stages the generic scan (assembly/haar/scan4.ts) runs on groups of neighbouring windows
 * before the survivors are queued (queue.ts): stages while their stumps add up to GENERIC_FIRST_STUMPS, at least
 * one. (Its queue gathers each corner lane by lane, dearer than the compiled queue's single loads, hence more
 * stages before it than the compiled scan's COMPILED_FIRST_STAGES.)
 */
export function firstStageCount(stageTrees: ArrayLike<number>): number {
  let k = 0, stumps = 0;
  while (k < stageTrees.length && (k === 0 || stumps + stageTrees[k] <= GENERIC_FIRST_STUMPS)) stumps += stageTrees[k++];
  return k;
}

/**
 * A cascade packed at g.cascade in mem compiled — stumps, or trees of up to three nodes (pack.ts's path tables) —
 * or null where the generic scanner must serve.
 */
export function compileCascade(mem: ArrayBuffer, g: JitGeometry): CompiledCascade | null {
  const i32 = new Int32Array(mem), f32 = new Float32Array(mem);
  const h = g.cascade >> 2;
  const treesKind = i32[h + PACK.H_KIND / 4] !== 0;
  if (treesKind && i32[h + PACK.H_SIMD_TREES / 4] !== 1) return null; // deeper trees: the scalar scan
  const nstages = i32[h + PACK.H_NSTAGES / 4];
  const stages = i32[h + PACK.H_STAGES / 4], nodes = i32[h + PACK.H_NODES / 4], trees = i32[h + PACK.H_TREES / 4];
  if (nstages < 1 || nstages > JIT_MAX_STAGES) return null;
  const stageTrees = Array.from({ length: nstages }, (_, s) => i32[(stages + s * PACK.STAGE + PACK.S_NTREES) >> 2]);
  if (stageTrees.some((n) => n > JIT_MAX_STAGE) || stageTrees.reduce((a, n) => a + n, 0) > JIT_MAX_STUMPS) return null;

  // Functions: the import stageExact (STAGE_EXACT), the scan driver, stage s at STAGE0 + s, then the queue pass
  // of each later stage, last the queue driver.
  const first = Math.min(COMPILED_FIRST_STAGES, nstages);
  const end = compiledStageCount(stageTrees, first, g.stumpBudget ?? JIT_TOTAL_STUMP_BUDGET);
  let node = nodes;
  const stageFuncs: FuncDef[] = [];
  for (let s = 0; s < end; s++) {
    const st = stages + s * PACK.STAGE;
    let fn: FuncDef | null;
    if (treesKind) {
      fn = treeStageFunction(i32, f32, st, trees + i32[(st + PACK.S_FIRST_TREE) >> 2] * PACK.TREE, nodes, stageTrees[s], g.step, g);
    } else {
      // f32 sums need finite leaves and bounds (band.ts): a leaf beyond f32's range (OpenCV reads 1e39 as
      // infinity) leaves the cascade to the generic scan, which then sums that stage in f64 as OpenCV does
      const band = stageBand(f32, st, node, stageTrees[s], g.ambiguityScale ?? 1);
      if (!Number.isFinite(band.lo) || !Number.isFinite(band.hi)) return null;
      fn = stageFunction(i32, f32, st, node, stageTrees[s], g.step, g, band);
      node += stageTrees[s] * PACK.NODE;
    }
    if (!fn) return null;
    stageFuncs.push(fn);
  }
  const passes: FuncDef[] = [];
  for (let s = first; s < end; s++) passes.push(queuePass(STAGE0 + s, g.step));
  const run = queueDriver(STAGE0 + end, first, end);
  const imports = [{ name: "stageExact", params: [I32, I32, V128, I32, I32], results: [V128] }];
  return { bytes: emitModule(imports, [driver(i32, g, first), ...stageFuncs, ...passes, run]), stages: first, end };
}

// Corner loads for the four windows: one v128.load (step 1) or two and a shuffle (step 2).
function loadCorner(c: Code, p: number, ofs: number, step: number): void {
  if (ofs < 0) throw new RangeError("negative corner offset");
  c.get(p).mem(Simd.load, ofs, 0);
  if (step === 2) {
    c.get(p).mem(Simd.load, ofs + 16, 0);
    c.shuffle32(0, 2, 4, 6);
  }
}

function splat(c: Code, address: number): void {
  c.i32(0).mem(Simd.load32Splat, address, 2);
}

function f64x2Const(c: Code, v: number): void {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setFloat64(0, v, true);
  dv.setFloat64(8, v, true);
  c.v128Const(b);
}

function i32x4Const(c: Code, v: number): void {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  for (let k = 0; k < 4; k++) dv.setInt32(k * 4, v, true);
  c.v128Const(b);
}

// One stage: (p: i32, f: v128) → v128, the i32x4 mask of lanes whose stage sum is below the threshold.
//
// Two exact shortcuts against the plain sequence (scan.ts), each with the same result for every window:
// - Integer weights (OpenCV's shipped cascades: −1, 2, 3): OpenCV's f32 feature Σ w·f32(sum) is then an
//   integer below 2^24, computed without rounding, so it equals the i32 Σ w·sum converted once (integerWeights).
// - The stage sum in f32 instead of f64: start from the sum of the right leaves (S_RIGHTS) and add left − right
//   (N_DIFF) where the stump goes left; the f32 rounding is bounded (band.ts), so a lane whose f32 sum is
//   that far from the threshold is decided as the exact f64 sum would be. When a lane lies closer (rare), the
//   group's stage is evaluated again exactly by the imported stageExact (assembly/haar/scan4.ts).
function stageFunction(i32: Int32Array, f32: Float32Array, st: number, node0: number, nt: number, step: number, g: JitGeometry, band: { lo: number; hi: number }): FuncDef | null {
  const P = 0, F = 1, ACC = 2, MHI = 3, TMP = 4, CORNER = 5;
  const c = new Code();
  splat(c, st + PACK.S_RIGHTS);
  c.set(ACC);
  let maxCorners = 0;
  for (let i = 0; i < nt; i++) {
    const n = node0 + i * PACK.NODE;
    // Each stump in its own `if (p != -1)` (always true): without a block boundary V8's scheduler hoists
    // every stump's loads to the top of the function and spills them (measured twice as slow).
    // (Measured again with this code: a plain block, a loop, or a different constant per stump are slower.)
    c.get(P).i32(-1).op(Op.i32Ne).op(Op.if).byte(VOID);
    const corners = nodeMask(c, i32, f32, n, step, g, P, F, TMP, CORNER);
    if (corners === null) return null;
    maxCorners = Math.max(maxCorners, corners);
    // the sum gains left − right where v · f < threshold (the stump goes left)
    splat(c, n + PACK.N_DIFF);
    c.simd(Simd.and).get(ACC).simd(Simd.f32x4Add).set(ACC);
    c.op(Op.end);
  }
  // below `lo`: below the threshold; at or above `hi`: not below; between: ask the exact stage
  const { lo, hi } = band;
  c.get(ACC).f32(hi).simd(Simd.f32x4Splat).simd(Simd.f32x4Lt).tee(MHI);
  c.get(ACC).f32(lo).simd(Simd.f32x4Splat).simd(Simd.f32x4Lt).simd(Simd.andnot).simd(Simd.anyTrue);
  c.op(Op.if).byte(V128);
  c.get(P).i32(step).get(F).i32(st).i32(node0).op(Op.call).u32(STAGE_EXACT);
  c.op(Op.else);
  c.get(MHI);
  c.op(Op.end);
  return { params: [I32, V128], results: [V128], locals: Array(3 + maxCorners).fill(V128), body: c };
}

// A stage of trees of up to three nodes (OpenCV's alt2: two), as assembly/haar/stage4.ts's treeStageFail4: every
// node's mask for the four windows, each lane's leaf picked by the masks along the leaf's path (pack.ts's path
// tables), the stage sum in f64 per lane in classifier order, as OpenCV sums it — no f32 shortcut here.
// `trees` is the byte address of the stage's first tree record.
function treeStageFunction(i32: Int32Array, f32: Float32Array, st: number, trees: number, nodes: number, nt: number, step: number, g: JitGeometry): FuncDef | null {
  const P = 0, F = 1, ACC_LO = 2, ACC_HI = 3, LEAF = 4, TMP = 5, MASK = 6, CORNER = 9;
  const c = new Code();
  i32x4Const(c, 0);
  c.tee(ACC_LO).set(ACC_HI);
  let maxCorners = 0;
  for (let t = 0; t < nt; t++) {
    const tr = (trees + t * PACK.TREE) >> 2;
    const firstNode = i32[tr + PACK.T_FIRST_NODE / 4], count = i32[tr + PACK.T_NNODES / 4], paths = i32[tr + PACK.T_PATHS / 4];
    if (count < 1 || count > 3) return null;
    c.get(P).i32(-1).op(Op.i32Ne).op(Op.if).byte(VOID); // a block boundary: see stageFunction
    for (let j = 0; j < count; j++) {
      const corners = nodeMask(c, i32, f32, nodes + (firstNode + j) * PACK.NODE, step, g, P, F, TMP, CORNER);
      if (corners === null) return null;
      maxCorners = Math.max(maxCorners, corners);
      c.set(MASK + j);
    }
    // leaf = the value of the leaf whose path's masks all hold, lane by lane
    i32x4Const(c, 0);
    c.set(LEAF);
    const leaves = i32[paths >> 2]; // the path table's leaf count
    for (let l = 0; l < leaves; l++) {
      const e = paths + PACK.PATH_ENTRIES + l * PACK.PATH_ENTRY_BYTES, steps = i32[(e + PACK.PE_NSTEPS) >> 2];
      if (steps < 1 || steps > 3) return null;
      splat(c, e);
      c.get(LEAF);
      for (let k = 0; k < steps; k++) {
        const sv = i32[(e + PACK.PE_STEPS + 4 * k) >> 2], node = sv >> 1, left = (sv & 1) === 1;
        if (node >= count) return null;
        c.get(MASK + node);
        if (k === 0 && !left) c.simd(Simd.not);
        else if (k > 0) c.simd(left ? Simd.and : Simd.andnot);
      }
      c.simd(Simd.bitselect).set(LEAF);
    }
    // the stage sum in f64 per lane, as OpenCV's double accumulator
    c.get(LEAF).simd(Simd.f64x2PromoteLowF32x4).get(ACC_LO).simd(Simd.f64x2Add).set(ACC_LO);
    c.get(LEAF).get(LEAF).shuffle32(2, 3, 0, 1).simd(Simd.f64x2PromoteLowF32x4).get(ACC_HI).simd(Simd.f64x2Add).set(ACC_HI);
    c.op(Op.end);
  }
  const thr = f32[(st + PACK.S_THRESHOLD) >> 2];
  c.get(ACC_LO);
  f64x2Const(c, thr);
  c.simd(Simd.f64x2Lt);
  c.get(ACC_HI);
  f64x2Const(c, thr);
  c.simd(Simd.f64x2Lt);
  c.shuffle32(0, 2, 4, 6);
  return { params: [I32, V128], results: [V128], locals: Array(CORNER - 2 + maxCorners).fill(V128), body: c };
}

// One node's feature for the four windows at P with variance factors F, compared with its threshold: leaves the
// i32x4 mask of lanes where v · f < threshold (the walk goes left) on the stack. Each corner of the node's
// rectangles is loaded once into the locals from CORNER on; returns how many, or null where the node cannot be
// compiled (a rectangle count other than 2 or 3, a negative offset).
function nodeMask(c: Code, i32: Int32Array, f32: Float32Array, n: number, step: number, g: JitGeometry, P: number, F: number, TMP: number, CORNER: number): number | null {
  const q = n >> 2;
  const nrects = i32[q + PACK.N_NRECTS / 4];
  if (nrects < 2 || nrects > 3) return null;
  const slot = new Map<number, number>();
  for (let r = 0; r < nrects; r++) {
    for (let k = 0; k < 4; k++) {
      const ofs = i32[q + (r * PACK.N_RECT_BYTES) / 4 + k];
      if (ofs < 0) return null;
      if (!slot.has(ofs)) {
        slot.set(ofs, CORNER + slot.size);
        loadCorner(c, P, ofs, step);
        c.set(slot.get(ofs)!);
      }
    }
  }
  // p0 − p1 − p2 + p3 of rectangle r
  const rect = (r: number) => {
    const at = (k: number) => slot.get(i32[q + (r * PACK.N_RECT_BYTES) / 4 + k])!;
    c.get(at(0)).get(at(1)).simd(Simd.i32x4Sub).get(at(2)).simd(Simd.i32x4Sub).get(at(3)).simd(Simd.i32x4Add);
  };
  const weights = Array.from({ length: nrects }, (_, r) => f32[q + PACK.N_W0 / 4 + r]);
  if (integerWeights(weights, g.windowArea)) {
    // Σ w·sum in i32, positive weights first (|w| = 1 adds or subtracts the sum itself)
    const order = weights.map((w, r) => [w, r]).filter(([w]) => w !== 0).sort((a, b) => b[0] - a[0]);
    if (order.length === 0 || order[0][0] < 0) i32x4Const(c, 0);
    order.forEach(([w, r], j) => {
      rect(r);
      const m = Math.abs(w);
      if (m === 2 || m === 4) c.i32(m === 2 ? 1 : 2).simd(Simd.i32x4Shl);
      else if (m === 3) c.tee(TMP).get(TMP).i32(1).simd(Simd.i32x4Shl).simd(Simd.i32x4Add);
      else if (m !== 1) {
        i32x4Const(c, m);
        c.simd(Simd.i32x4Mul);
      }
      if (j > 0 || w < 0) c.simd(w < 0 ? Simd.i32x4Sub : Simd.i32x4Add);
    });
    c.simd(Simd.f32x4ConvertI32x4S);
  } else {
    for (let r = 0; r < nrects; r++) {
      // w_r · f32(p0 − p1 − p2 + p3), summed left to right as OpenCV's OptFeature::calc
      splat(c, n + PACK.N_W0 + r * 4);
      rect(r);
      c.simd(Simd.f32x4ConvertI32x4S).simd(Simd.f32x4Mul);
      if (r > 0) c.simd(Simd.f32x4Add);
    }
  }
  c.get(F).simd(Simd.f32x4Mul);
  splat(c, n + PACK.N_THR);
  c.simd(Simd.f32x4Lt);
  return slot.size;
}

// Weights for which OpenCV's f32 feature value is an exact integer: integers, and Σ|w| · 255 · (pixels a
// rectangle can hold, at most twice the window's for a tilted one) below 2^24, so that every f32 product and
// partial sum is an integer f32 holds exactly (and the i32 sums cannot overflow).
function integerWeights(weights: number[], windowArea: number): boolean {
  const total = weights.reduce((a, w) => a + Math.abs(w), 0);
  return weights.every((w) => Number.isInteger(w)) && total * 255 * 2 * windowArea < 2 ** 24;
}

// The driver: scan(sum, groups, rows, out). Per group: the variance factor and refusal (as scan4.ts's group(),
// lane by lane in f64), then the stages while any lane is alive; the four results and the four variance factors
// stored at out (32 bytes a group, scan4.ts's contract).
function driver(i32: Int32Array, g: JitGeometry, compiled: number): FuncDef {
  const SUM = 0, GROUPS = 1, ROWS = 2, OUT = 3;
  const P = 4, G = 5, F = 6, ALIVE = 7, RES = 8, M = 9, VS = 10, VQ = 11, LO = 12, HI = 13, FLO = 14, FHI = 15;
  const h = g.cascade >> 2;
  const no = [0, 1, 2, 3].map((k) => i32[h + PACK.H_NOFS / 4 + k]);
  const sqofs = i32[h + PACK.H_SQOFS / 4];
  const area = i32[h + PACK.H_AREA / 4];
  const c = new Code();
  const rect = (base: number) => {
    // a − b − c + d over the four windows' corners of the variance rectangle
    loadCorner(c, P, base + no[0], g.step);
    loadCorner(c, P, base + no[1], g.step);
    c.simd(Simd.i32x4Sub);
    loadCorner(c, P, base + no[2], g.step);
    c.simd(Simd.i32x4Sub);
    loadCorner(c, P, base + no[3], g.step);
    c.simd(Simd.i32x4Add);
  };
  // if either operand is empty there is nothing to do
  c.get(GROUPS).op(Op.i32Eqz).get(ROWS).op(Op.i32Eqz);
  c.op(Op.i32Or);
  c.op(Op.if).byte(VOID).op(Op.return).op(Op.end);
  c.op(Op.loop).byte(VOID); // rows
  c.get(SUM).set(P).get(GROUPS).set(G);
  c.op(Op.loop).byte(VOID); // groups
  c.op(Op.block).byte(VOID); // done with this group
  // variance factor, as scan4.ts: nf = area·sq − s·s in f64 per lane; f = f32(1/√nf); ok = nf > 0 ∧ area·f < 0.1
  rect(0);
  c.set(VS);
  rect(sqofs);
  c.set(VQ);
  const varianceHalf = (vs: () => void, vq: () => void, out: number, fOut: number) => {
    f64x2Const(c, area);
    vq();
    c.simd(Simd.f64x2ConvertLowI32x4U).simd(Simd.f64x2Mul);
    vs();
    c.simd(Simd.f64x2ConvertLowI32x4S);
    vs();
    c.simd(Simd.f64x2ConvertLowI32x4S).simd(Simd.f64x2Mul).simd(Simd.f64x2Sub).set(out);
    f64x2Const(c, 1.0);
    c.get(out).simd(Simd.f64x2Sqrt).simd(Simd.f64x2Div).simd(Simd.f32x4DemoteF64x2Zero).set(fOut);
    // ok = (nf > 0) & (area·f < 0.1), left in `out`
    c.get(out);
    f64x2Const(c, 0);
    c.simd(Simd.f64x2Gt);
    f64x2Const(c, area);
    c.get(fOut).simd(Simd.f64x2PromoteLowF32x4).simd(Simd.f64x2Mul);
    f64x2Const(c, 0.1);
    c.simd(Simd.f64x2Lt).simd(Simd.and).set(out);
  };
  varianceHalf(() => c.get(VS), () => c.get(VQ), LO, FLO);
  varianceHalf(() => c.get(VS).get(VS).shuffle32(2, 3, 0, 1), () => c.get(VQ).get(VQ).shuffle32(2, 3, 0, 1), HI, FHI);
  c.get(LO).get(HI).shuffle32(0, 2, 4, 6).set(ALIVE);
  c.get(FLO).get(FHI).shuffle32(0, 1, 4, 5).set(F);
  i32x4Const(c, 1);
  i32x4Const(c, -1);
  c.get(ALIVE).simd(Simd.bitselect).set(RES);
  c.get(ALIVE).simd(Simd.anyTrue).op(Op.i32Eqz).op(Op.br_if).u32(0);
  for (let s = 0; s < compiled; s++) {
    // fail = alive ∧ (sum < threshold); res = fail ? −s : res; alive = alive ∧ ¬fail
    c.get(P).get(F).op(Op.call).u32(STAGE0 + s).get(ALIVE).simd(Simd.and).set(M);
    i32x4Const(c, -s);
    c.get(RES).get(M).simd(Simd.bitselect).set(RES);
    c.get(ALIVE).get(M).simd(Simd.andnot).tee(ALIVE);
    c.simd(Simd.anyTrue).op(Op.i32Eqz).op(Op.br_if).u32(0);
  }
  c.op(Op.end); // block
  c.get(OUT).get(RES).mem(Simd.store, 0, 0);
  c.get(OUT).get(F).mem(Simd.store, 16, 0);
  c.get(OUT).i32(32).op(Op.i32Add).set(OUT);
  c.get(P).i32(16 * g.step).op(Op.i32Add).set(P);
  c.get(G).i32(1).op(Op.i32Sub).tee(G).op(Op.br_if).u32(0);
  c.op(Op.end); // groups loop
  c.get(SUM).i32(4 * g.stride * g.step).op(Op.i32Add).set(SUM);
  c.get(ROWS).i32(1).op(Op.i32Sub).tee(ROWS).op(Op.br_if).u32(0);
  c.op(Op.end); // rows loop
  return { params: [I32, I32, I32, I32], results: [], locals: [I32, I32, ...Array(10).fill(V128)], body: c, export: "scan" };
}

// One later stage over the queue: queuePass(queue, n) → kept. Walks the queued windows (8-byte entries: integral
// address, variance factor; in scan order) in groups of neighbours — a group starts at the next queued window
// p0 and takes the queued windows among p0 + step, p0 + 2·step, p0 + 3·step as lanes 1–3 — runs the stage on
// each group (every corner one v128 load, as in the first stages) and keeps the windows that pass, in order,
// compacting the queue in place (an entry is written only after it has been read). Survivors cluster (a face
// passes at many neighbouring positions): about two live lanes a group from the fourth stage on, on the
// benchmark frame, which is cheaper than gathering four scattered windows lane by lane (assembly/haar/queue.ts).
// Empty lanes have variance factor 0 and read entries next to p0's window, inside the integral planes (a row's
// slack, the next row, or the next plane); their results are not read. n > 0.
function queuePass(stage: number, step: number): FuncDef {
  const QUEUE = 0, N = 1, I = 2, KEPT = 3, P0 = 4, LIVE = 5, PASS = 6, E = 7, A = 8, F = 9;
  const lane = 4 * step;
  const c = new Code();
  c.get(QUEUE).set(E);
  c.op(Op.loop).byte(VOID);
  // lane 0: the next queued window
  c.get(E).i32mem(Op.i32Load, 0).set(P0);
  c.get(E).mem(Simd.load32Zero, 4, 2).set(F);
  c.i32(1).set(LIVE);
  c.get(E).i32(8).op(Op.i32Add).set(E);
  c.get(I).i32(1).op(Op.i32Add).set(I);
  for (let k = 1; k < 4; k++) {
    // lane k: the next queued window, if it is p0 + k·step
    c.op(Op.block).byte(VOID);
    c.get(I).get(N).op(Op.i32GeS).op(Op.br_if).u32(0);
    c.get(E).i32mem(Op.i32Load, 0).get(P0).i32(k * lane).op(Op.i32Add).op(Op.i32Ne).op(Op.br_if).u32(0);
    c.get(E).get(F).lane(Simd.load32Lane, 4, k).set(F);
    c.get(LIVE).i32(1 << k).op(Op.i32Or).set(LIVE);
    c.get(E).i32(8).op(Op.i32Add).set(E);
    c.get(I).i32(1).op(Op.i32Add).set(I);
    c.op(Op.end);
  }
  // passing lanes: live and not below the stage threshold
  c.get(P0).get(F).op(Op.call).u32(stage).simd(Simd.i32x4Bitmask).i32(15).op(Op.i32Xor).get(LIVE).op(Op.i32And).set(PASS);
  for (let k = 0; k < 4; k++) {
    c.get(PASS).i32(1 << k).op(Op.i32And).op(Op.if).byte(VOID);
    c.get(QUEUE).get(KEPT).i32(3).op(Op.i32Shl).op(Op.i32Add).set(A);
    c.get(A).get(P0).i32(k * lane).op(Op.i32Add).i32mem(Op.i32Store, 0);
    c.get(A).get(F).lane(Simd.store32Lane, 4, k);
    c.get(KEPT).i32(1).op(Op.i32Add).set(KEPT);
    c.op(Op.end);
  }
  c.get(I).get(N).op(Op.i32LtS).op(Op.br_if).u32(0);
  c.op(Op.end); // loop
  c.get(KEPT);
  return { params: [I32, I32], results: [I32], locals: [...Array(7).fill(I32), V128], body: c };
}

// run(queue, n) → n: the queue passes of stages first … nstages − 1 in turn (functions pass0, pass0 + 1, …),
// stopping when none is left; the queue then holds the accepted windows, in scan order.
function queueDriver(pass0: number, first: number, nstages: number): FuncDef {
  const QUEUE = 0, N = 1;
  const c = new Code();
  for (let s = first; s < nstages; s++) {
    c.get(N).op(Op.i32Eqz).op(Op.if).byte(VOID).i32(0).op(Op.return).op(Op.end);
    c.get(QUEUE).get(N).op(Op.call).u32(pass0 + s - first).set(N);
  }
  c.get(N);
  return { params: [I32, I32], results: [I32], locals: [], body: c, export: "run" };
}
