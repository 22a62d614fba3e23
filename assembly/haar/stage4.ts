import { H_NODES, H_TREES, NODE_BYTES, N_W0, N_THR, N_LEFT, N_RIGHT, N_NRECTS, N_DIFF, N_RECT_BYTES, S_NTREES, S_THRESHOLD, S_FIRST_TREE, S_RIGHTS, S_LO, S_HI,
         TREE_BYTES, T_FIRST_NODE, T_NNODES, T_PATHS, PATH_ENTRIES, PATH_ENTRY_BYTES, PE_NSTEPS, PE_STEPS } from "./layout";

// One cascade stage for four windows at once, for the grouped first stages (scan4.ts: neighbouring windows, one
// v128 load a corner) and for the queue (queue.ts: any four windows, each corner gathered lane by lane); `gather`
// is a constant at every call, so each inlined copy keeps one way. Each returns the mask of lanes whose stage
// sum is below the stage's threshold. Every lane decides what the scalar code (scan.ts) decides — the same f32
// features, the same compares; the stage sum in f64 in classifier order (trees, and stumps whose f32 sum is
// too near the threshold), or in f32 where that decides the same (stumps) — so the results are bit-identical.

// A stage of stumps; node points at the stage's first node (one node a stump). The stage sum in f32, as the
// compiled scan keeps it (src/detect/jit.ts): from the sum of the right leaves (S_RIGHTS), adding left − right
// (N_DIFF) where the stump goes left; a lane whose f32 sum falls in the band [S_LO, S_HI) of sums f32 cannot
// decide (src/detect/band.ts) has the group's stage evaluated again in f64 (stumpStageExact4), as does a stage
// without a band (NaN).
// @ts-ignore: decorator
@inline export function stumpStageFail4(gather: bool, p0: usize, p1: usize, p2: usize, p3: usize, step: i32, f: v128, st: usize, node: usize): v128 {
  const lo = load<f32>(st + S_LO);
  if (isNaN(lo)) return stumpStageExact4(gather, p0, p1, p2, p3, step, f, st, node);
  const nt = load<i32>(st, S_NTREES);
  let acc = f32x4.splat(load<f32>(st + S_RIGHTS));
  let n = node;
  for (let i = 0; i < nt; i++) {
    const left = nodeMask(gather, p0, p1, p2, p3, step, f, n);
    acc = f32x4.add(acc, v128.and(left, f32x4.splat(load<f32>(n + N_DIFF))));
    n += NODE_BYTES;
  }
  const below = f32x4.lt(acc, f32x4.splat(load<f32>(st + S_HI)));
  if (v128.any_true(v128.andnot(below, f32x4.lt(acc, f32x4.splat(lo))))) return stumpStageExact4(gather, p0, p1, p2, p3, step, f, st, node);
  return below;
}

// The same stage with its sum in f64 per lane, in classifier order, as OpenCV (and scan.ts) sum it. Not inlined:
// it runs rarely.
export function stumpStageExact4(gather: bool, p0: usize, p1: usize, p2: usize, p3: usize, step: i32, f: v128, st: usize, node: usize): v128 {
  return gather ? stumpStageF64(true, p0, p1, p2, p3, 1, f, st, node) : step == 1 ? stumpStageF64(false, p0, 0, 0, 0, 1, f, st, node) : stumpStageF64(false, p0, 0, 0, 0, 2, f, st, node);
}

// @ts-ignore: decorator
@inline function stumpStageF64(gather: bool, p0: usize, p1: usize, p2: usize, p3: usize, step: i32, f: v128, st: usize, node: usize): v128 {
  const nt = load<i32>(st, S_NTREES);
  let accLo = f64x2.splat(0), accHi = f64x2.splat(0);
  for (let i = 0; i < nt; i++) {
    const left = nodeMask(gather, p0, p1, p2, p3, step, f, node);
    const leaf = v128.bitselect(f32x4.splat(load<f32>(node + N_LEFT)), f32x4.splat(load<f32>(node + N_RIGHT)), left);
    accLo = f64x2.add(accLo, f64x2.promote_low_f32x4(leaf));
    accHi = f64x2.add(accHi, f64x2.promote_low_f32x4(v128.shuffle<i32>(leaf, leaf, 2, 3, 0, 1)));
    node += NODE_BYTES;
  }
  const thr = f64x2.splat(<f64>load<f32>(st, S_THRESHOLD));
  return v128.shuffle<i32>(f64x2.lt(accLo, thr), f64x2.lt(accHi, thr), 0, 2, 4, 6);
}

// A stage of trees: every node of a tree is evaluated for the four lanes (at most three: pack.ts's
// SIMD_TREE_NODES), then each leaf's lanes are those whose node comparisons match the leaf's path from the root
// (the path tables pack.ts writes), so every lane gets the leaf the scalar walk (treesBetween) reaches.

// @ts-ignore: decorator
@inline export function treeStageFail4(gather: bool, p0: usize, p1: usize, p2: usize, p3: usize, step: i32, f: v128, cascade: usize, st: usize): v128 {
  const nt = load<i32>(st, S_NTREES);
  const nodes = <usize>load<i32>(cascade + H_NODES);
  let tr = <usize>load<i32>(cascade + H_TREES) + <usize>load<i32>(st, S_FIRST_TREE) * TREE_BYTES;
  let accLo = f64x2.splat(0), accHi = f64x2.splat(0);
  for (let i = 0; i < nt; i++) {
    const root = nodes + <usize>load<i32>(tr, T_FIRST_NODE) * NODE_BYTES;
    const count = load<i32>(tr, T_NNODES);
    const m0 = nodeMask(gather, p0, p1, p2, p3, step, f, root);
    const m1 = count > 1 ? nodeMask(gather, p0, p1, p2, p3, step, f, root + NODE_BYTES) : i32x4.splat(0);
    const m2 = count > 2 ? nodeMask(gather, p0, p1, p2, p3, step, f, root + 2 * NODE_BYTES) : i32x4.splat(0);
    const path = <usize>load<i32>(tr, T_PATHS);
    const nl = load<i32>(path);
    let leaf = f32x4.splat(0);
    for (let l = 0; l < nl; l++) {
      const e = path + PATH_ENTRIES + <usize>(l * PATH_ENTRY_BYTES);
      const steps = load<i32>(e, PE_NSTEPS);
      let reach = i32x4.splat(-1);
      for (let j = 0; j < steps; j++) {
        const s = load<i32>(e + PE_STEPS + <usize>(j << 2));
        const k = s >> 1;
        const m = k == 0 ? m0 : k == 1 ? m1 : m2;
        reach = s & 1 ? v128.and(reach, m) : v128.andnot(reach, m);
      }
      leaf = v128.bitselect(f32x4.splat(load<f32>(e)), leaf, reach);
    }
    accLo = f64x2.add(accLo, f64x2.promote_low_f32x4(leaf));
    accHi = f64x2.add(accHi, f64x2.promote_low_f32x4(v128.shuffle<i32>(leaf, leaf, 2, 3, 0, 1)));
    tr += TREE_BYTES;
  }
  const thr = f64x2.splat(<f64>load<f32>(st, S_THRESHOLD));
  return v128.shuffle<i32>(f64x2.lt(accLo, thr), f64x2.lt(accHi, thr), 0, 2, 4, 6);
}

// Lanes where the node's normalised feature is below its threshold (the walk goes left).
// @ts-ignore: decorator
@inline function nodeMask(gather: bool, p0: usize, p1: usize, p2: usize, p3: usize, step: i32, f: v128, node: usize): v128 {
  let v = f32x4.add(
    f32x4.mul(f32x4.splat(load<f32>(node + N_W0)), f32x4.convert_i32x4_s(rectAny(gather, p0, p1, p2, p3, step, node))),
    f32x4.mul(f32x4.splat(load<f32>(node + N_W0, 4)), f32x4.convert_i32x4_s(rectAny(gather, p0, p1, p2, p3, step, node + N_RECT_BYTES))),
  );
  if (load<i32>(node + N_NRECTS) > 2) {
    v = f32x4.add(v, f32x4.mul(f32x4.splat(load<f32>(node + N_W0, 8)), f32x4.convert_i32x4_s(rectAny(gather, p0, p1, p2, p3, step, node + 2 * N_RECT_BYTES))));
  }
  return f32x4.lt(f32x4.mul(v, f), f32x4.splat(load<f32>(node + N_THR)));
}

// The four windows' sums of the rectangle whose corner offsets are at o.
// @ts-ignore: decorator
@inline export function rectAny(gather: bool, p0: usize, p1: usize, p2: usize, p3: usize, step: i32, o: usize): v128 {
  const a = corner(gather, p0, p1, p2, p3, step, <usize>load<i32>(o));
  const b = corner(gather, p0, p1, p2, p3, step, <usize>load<i32>(o, 4));
  const c = corner(gather, p0, p1, p2, p3, step, <usize>load<i32>(o, 8));
  const d = corner(gather, p0, p1, p2, p3, step, <usize>load<i32>(o, 12));
  return i32x4.add(i32x4.sub(i32x4.sub(a, b), c), d);
}

// The corner entry at byte offset o: gathered from four windows, or the four neighbours x, x+step, … of p0.
// @ts-ignore: decorator
@inline function corner(gather: bool, p0: usize, p1: usize, p2: usize, p3: usize, step: i32, o: usize): v128 {
  if (gather) {
    let v = v128.load32_zero(p0 + o);
    v = v128.load32_lane(p1 + o, v, 1);
    v = v128.load32_lane(p2 + o, v, 2);
    return v128.load32_lane(p3 + o, v, 3);
  }
  if (step == 1) return v128.load(p0 + o);
  return v128.shuffle<i32>(v128.load(p0 + o), v128.load(p0 + o, 16), 0, 2, 4, 6);
}
