import { Code, emitModule, I32, Op, Simd, V128, VOID, type FuncDef } from "./wasm-emit.js";
import { PACK } from "./pack.js";

// The first stages of a stump cascade compiled to WebAssembly, once per frame width (the corner offsets depend
// on the integral images' row stride) and window step: every rectangle corner becomes a v128.load with a
// constant offset, every weight, threshold and leaf a load32_splat from a constant address in the packed
// cascade, and the corners a stump's rectangles share are loaded once — about 13 loads per stump and group of
// four neighbouring windows, against about 30 in the generic scanner (assembly/haar/scan4.ts), which reads
// offsets and constants from the packed cascade at run time.
//
// Only the first stages (JIT_STUMP_BUDGET stumps): every window runs them, on groups of neighbours whose lanes
// are mostly alive. Past them, few windows live, scattered: the survivors are queued and run four at a time
// by assembly/haar/queue.ts, whatever their positions. (Compiling every stage instead measured no faster than
// the generic loop: ~3000 stumps of straight-line code do not fit the instruction caches.)
//
// The compiled scan computes, for four windows at a time (x, x+step, x+2·step, x+3·step of one row), what
// scan.ts's evalStumpsTo computes for its stages — the same f32/f64 operations in the same order, so
// bit-identical per-lane results — and stores each group's four results (1 passed the compiled stages, −s
// rejected by stage s, −1 refused for low variance) for queue.ts's queueSurvivors, which applies OpenCV's
// visiting rule. Every lane runs to its end (none is dropped because OpenCV would not visit it).
//
// Exports: scan(sum, groups, rows, out) — `rows` rows (step apart) of `groups` groups from integral entry `sum`.

export interface JitGeometry {
  /** integral images' row stride, in i32 entries */
  stride: number;
  /** window step: 1 or 2 */
  step: number;
  /** byte address of the packed cascade in the detector's memory */
  cascade: number;
}

/** Stumps compiled: the first stages up to this many (at least the first stage). */
export const JIT_STUMP_BUDGET = 60;
/** Largest first stage compiled; a cascade whose first stage is larger uses the generic scanner. */
const JIT_MAX_FIRST_STAGE = 2_000;

export interface CompiledCascade {
  /** the module: imports env.memory; exports scan(sum, groups, rows, out) */
  bytes: Uint8Array<ArrayBuffer>;
  /** the stages it runs (0 to stages − 1) */
  stages: number;
}

/**
 * How many first stages run on groups of neighbouring windows (compiled here, or assembly/haar/scan4.ts)
 * before the survivors are queued: stages while their stumps add up to JIT_STUMP_BUDGET, at least one.
 */
export function firstStageCount(stageTrees: ArrayLike<number>): number {
  let k = 0, stumps = 0;
  while (k < stageTrees.length && (k === 0 || stumps + stageTrees[k] <= JIT_STUMP_BUDGET)) stumps += stageTrees[k++];
  return k;
}

/** The first stages of a stump cascade packed at g.cascade in mem, or null where the generic scanner must serve. */
export function compileStumpScan(mem: ArrayBuffer, g: JitGeometry): CompiledCascade | null {
  const i32 = new Int32Array(mem), f32 = new Float32Array(mem);
  const h = g.cascade >> 2;
  if (i32[h + PACK.H_KIND / 4] !== 0) return null; // trees
  const nstages = i32[h + PACK.H_NSTAGES / 4];
  const stages = i32[h + PACK.H_STAGES / 4], nodes = i32[h + PACK.H_NODES / 4];
  if (nstages < 1 || i32[stages >> 2] > JIT_MAX_FIRST_STAGE) return null;

  // Only the first stages (firstStageCount): see the comment at the top.
  const stageTrees = Array.from({ length: nstages }, (_, s) => i32[(stages + s * PACK.STAGE) >> 2]);
  const compiled = firstStageCount(stageTrees);
  let node = nodes;
  const stageFuncs: FuncDef[] = [];
  for (let s = 0; s < compiled; s++) {
    const st = stages + s * PACK.STAGE;
    const nt = stageTrees[s];
    const fn = stageFunction(i32, node, nt, f32[(st >> 2) + 1], g.step);
    if (!fn) return null;
    stageFuncs.push(fn);
    node += nt * PACK.NODE;
  }
  // function 0: the driver; 1…: one per compiled stage
  return { bytes: emitModule([], [driver(i32, g, compiled), ...stageFuncs]), stages: compiled };
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
function stageFunction(i32: Int32Array, node0: number, nt: number, threshold: number, step: number): FuncDef | null {
  const P = 0, F = 1, ACC_LO = 2, ACC_HI = 3, LEAF = 4, CORNER = 5;
  const c = new Code();
  i32x4Const(c, 0);
  c.tee(ACC_LO).set(ACC_HI);
  let maxCorners = 0;
  for (let i = 0; i < nt; i++) {
    const n = node0 + i * PACK.NODE, q = n >> 2;
    // Each stump in its own `if (p != -1)` (always true): without a block boundary V8's scheduler hoists
    // every stump's loads to the top of the function and spills them (measured twice as slow).
    c.get(P).i32(-1).op(Op.i32Ne).op(Op.if).byte(VOID);
    const nrects = i32[q + PACK.N_NRECTS / 4];
    if (nrects < 2 || nrects > 3) return null;
    // unique corners of this stump's rectangles, each loaded once into a local
    const slot = new Map<number, number>();
    for (let r = 0; r < nrects; r++) {
      for (let k = 0; k < 4; k++) {
        const ofs = i32[q + r * 4 + k];
        if (ofs < 0) return null;
        if (!slot.has(ofs)) {
          slot.set(ofs, CORNER + slot.size);
          loadCorner(c, P, ofs, step);
          c.set(slot.get(ofs)!);
        }
      }
    }
    maxCorners = Math.max(maxCorners, slot.size);
    // bitselect(left, right, v < thr): the two leaves first, then v
    splat(c, n + PACK.N_LEFT);
    splat(c, n + PACK.N_RIGHT);
    for (let r = 0; r < nrects; r++) {
      const at = (k: number) => slot.get(i32[q + r * 4 + k])!;
      // w_r · f32(p0 − p1 − p2 + p3), summed left to right as OpenCV's OptFeature::calc
      splat(c, n + PACK.N_W0 + r * 4);
      c.get(at(0)).get(at(1)).simd(Simd.i32x4Sub).get(at(2)).simd(Simd.i32x4Sub).get(at(3)).simd(Simd.i32x4Add);
      c.simd(Simd.f32x4ConvertI32x4S).simd(Simd.f32x4Mul);
      if (r > 0) c.simd(Simd.f32x4Add);
    }
    c.get(F).simd(Simd.f32x4Mul);
    splat(c, n + PACK.N_THR);
    c.simd(Simd.f32x4Lt).simd(Simd.bitselect).tee(LEAF);
    // stage sum in f64 per lane, as OpenCV's double accumulator
    c.simd(Simd.f64x2PromoteLowF32x4).get(ACC_LO).simd(Simd.f64x2Add).set(ACC_LO);
    c.get(LEAF).get(LEAF).shuffle32(2, 3, 0, 1).simd(Simd.f64x2PromoteLowF32x4).get(ACC_HI).simd(Simd.f64x2Add).set(ACC_HI);
    c.op(Op.end);
  }
  const thr = Math.fround(threshold);
  c.get(ACC_LO);
  f64x2Const(c, thr);
  c.simd(Simd.f64x2Lt);
  c.get(ACC_HI);
  f64x2Const(c, thr);
  c.simd(Simd.f64x2Lt);
  c.shuffle32(0, 2, 4, 6);
  return { params: [I32, V128], results: [V128], locals: Array(3 + maxCorners).fill(V128), body: c };
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
    c.get(P).get(F).op(Op.call).u32(1 + s).get(ALIVE).simd(Simd.and).set(M);
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
