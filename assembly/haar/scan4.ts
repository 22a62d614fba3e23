import { H_KIND, H_STAGES, H_NODES, H_NOFS, H_SQOFS, H_AREA, STAGE_BYTES, NODE_BYTES, S_NTREES, S_THRESHOLD, S_FIRST_TREE, T_FIRST_NODE, T_FIRST_LEAF, N_RECT_BYTES } from "./layout";
import { rectAny, stumpStageExact4, stumpStageFail4, treeStageFail4 } from "./stage4";

// The first stages of a cascade (stumps, or trees with path tables) on groups of four neighbouring windows: the
// windows at x, x+step, x+2·step, x+3·step of one row share every corner offset, so each corner is one v128 load
// (step 1) or two loads and a shuffle (step 2). For stumps the generic twin of the compiled scan
// (src/detect/jit.ts), with the same contract, for where compiling is refused: per group, 32 bytes at res — the four results (i32: 1 passed
// stages 0..s1−1, −s rejected by stage s, −1 refused for low variance) then the four variance factors (f32)
// — for queue.ts's queueSurvivors, which applies OpenCV's visiting rule and queues the survivors.
//
// Every lane computes exactly what scan.ts's evalStumpsTo (evalTreesTo) computes — f32x4 multiply/add are the
// same IEEE f32 operations, stage sums are kept in f64 per lane in the same order (stage4.ts), the variance test
// is in f64 — so the results are bit-identical, only four at once.

export function scanGroups(cascade: usize, sum: usize, stride: i32, groups: i32, rows: i32, step: i32, s1: i32, res: usize): void {
  if (step == 1) scanRows(cascade, sum, stride, groups, rows, 1, s1, res);
  else scanRows(cascade, sum, stride, groups, rows, 2, s1, res);
}

// @ts-ignore: decorator
@inline function scanRows(cascade: usize, sum: usize, stride: i32, groups: i32, rows: i32, step: i32, s1: i32, res: usize): void {
  for (let r = 0; r < rows; r++) {
    let p = sum + ((<usize>(r * step) * <usize>stride) << 2);
    for (let g = 0; g < groups; g++) {
      group(cascade, p, step, s1, res);
      res += 32;
      p += <usize>(16 * step);
    }
  }
}

// @ts-ignore: decorator
@inline function group(cascade: usize, p: usize, step: i32, s1: i32, out: usize): void {
  // Variance factor, as varianceFactor() in scan.ts, lane by lane in f64.
  const no = cascade + H_NOFS;
  const vs = rectAny(false, p, 0, 0, 0, step, no);
  const vq = rectAny(false, p + <usize>load<i32>(cascade + H_SQOFS), 0, 0, 0, step, no);
  const area = f64x2.splat(<f64>load<i32>(cascade + H_AREA));
  const vsHi = v128.shuffle<i32>(vs, vs, 2, 3, 0, 1), vqHi = v128.shuffle<i32>(vq, vq, 2, 3, 0, 1);
  const sLo = f64x2.convert_low_i32x4_s(vs), sHi = f64x2.convert_low_i32x4_s(vsHi);
  const nfLo = f64x2.sub(f64x2.mul(area, f64x2.convert_low_i32x4_u(vq)), f64x2.mul(sLo, sLo));
  const nfHi = f64x2.sub(f64x2.mul(area, f64x2.convert_low_i32x4_u(vqHi)), f64x2.mul(sHi, sHi));
  const zero = f64x2.splat(0);
  const posLo = f64x2.gt(nfLo, zero), posHi = f64x2.gt(nfHi, zero);
  const one = f64x2.splat(1.0);
  const fLo = f32x4.demote_f64x2_zero(f64x2.div(one, f64x2.sqrt(nfLo)));
  const fHi = f32x4.demote_f64x2_zero(f64x2.div(one, f64x2.sqrt(nfHi)));
  const tenth = f64x2.splat(0.1);
  const okLo = v128.and(posLo, f64x2.lt(f64x2.mul(area, f64x2.promote_low_f32x4(fLo)), tenth));
  const okHi = v128.and(posHi, f64x2.lt(f64x2.mul(area, f64x2.promote_low_f32x4(fHi)), tenth));
  let alive = v128.shuffle<i32>(okLo, okHi, 0, 2, 4, 6);
  const f = v128.shuffle<i32>(fLo, fHi, 0, 1, 4, 5);
  let res = v128.bitselect(i32x4.splat(1), i32x4.splat(-1), alive);
  let st = <usize>load<i32>(cascade + H_STAGES);
  let node = <usize>load<i32>(cascade + H_NODES);
  const trees = load<i32>(cascade + H_KIND) != 0;
  for (let s = 0; s < s1 && v128.any_true(alive); s++) {
    const stage = trees ? treeStageFail4(false, p, 0, 0, 0, step, f, cascade, st) : stumpStageFail4(false, p, 0, 0, 0, step, f, st, node);
    const fail = v128.and(alive, stage);
    res = v128.bitselect(i32x4.splat(-s), res, fail);
    alive = v128.andnot(alive, fail);
    node += <usize>load<i32>(st, S_NTREES) * NODE_BYTES; // (stumps: one node a stump; unused for trees)
    st += STAGE_BYTES;
  }
  v128.store(out, res);
  v128.store(out, f, 16);
}

// One stump stage for the four neighbouring windows at p0 (x, x+step, …) with variance factors f, the stage
// record at st and its first node at node: the lanes whose stage sum is below the threshold, exactly (f64 sums).
// The compiled scan (src/detect/jit.ts) imports it for the rare groups its f32 sums cannot decide.
export function stumpStageExact(p0: usize, step: i32, f: v128, st: usize, node: usize): v128 {
  return stumpStageExact4(false, p0, 0, 0, 0, step, f, st, node);
}
