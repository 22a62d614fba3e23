import { H_KIND, H_NSTAGES, H_STAGES, H_NODES, H_LEAVES, H_TREES, H_NOFS, H_SQOFS, H_AREA, STAGE_BYTES, NODE_BYTES, N_W0, N_THR, N_LEFT, N_RIGHT, N_NRECTS, TREE_BYTES, S_NTREES, S_THRESHOLD, S_FIRST_TREE, T_FIRST_NODE, T_FIRST_LEAF, N_RECT_BYTES } from "./layout";

// Scanning one scale: the fixed-size window at every (x, y) of the step grid, as OpenCV 4.6's
// CascadeClassifierInvoker does: x and y multiples of ystep, x advanced one extra step after a window that
// the FIRST stage rejects (result 0), not after one refused for low variance (result −1).
// Writes (x, y) pairs of accepted windows to out (i32), returns how many.
export function scan(cascade: usize, sum: usize, stride: i32, ww: i32, wh: i32, ystep: i32, out: usize): i32 {
  let n = 0;
  const kind = load<i32>(cascade + H_KIND);
  for (let y = 0; y < wh; y += ystep) {
    const rowp = sum + ((<usize>y * <usize>stride) << 2);
    for (let x = 0; x < ww; x += ystep) {
      const p = rowp + (<usize>x << 2);
      const r = kind == 0 ? evalStumps(cascade, p) : evalTrees(cascade, p);
      if (r > 0) {
        store<i32>(out + (<usize>n << 3), x);
        store<i32>(out + (<usize>n << 3), y, 4);
        n++;
      } else if (r == 0) {
        x += ystep;
      }
    }
  }
  return n;
}

// @ts-ignore: decorator
@inline function rectSum(p: usize, o: usize): i32 {
  return load<i32>(p + <usize>load<i32>(o)) - load<i32>(p + <usize>load<i32>(o, 4)) - load<i32>(p + <usize>load<i32>(o, 8)) + load<i32>(p + <usize>load<i32>(o, 12));
}

// OpenCV's HaarEvaluator::setWindow: 1/(area·σ) of the inner window, or 0 when the window is refused
// (σ² ≤ 0, or σ ≤ 10 grey levels: area·factor ≥ 0.1). f32 as OpenCV keeps it; the test in f64 as OpenCV does.
// @ts-ignore: decorator
@inline export function varianceFactor(cascade: usize, p: usize): f32 {
  const no = cascade + H_NOFS;
  const valsum = rectSum(p, no);
  const valsq = <u32>rectSum(p + <usize>load<i32>(cascade + H_SQOFS), no);
  const area = <f64>load<i32>(cascade + H_AREA);
  let nf = area * <f64>valsq - <f64>valsum * <f64>valsum;
  if (!(nf > 0.0)) return 0;
  nf = Math.sqrt(nf);
  const f = <f32>(1.0 / nf);
  return area * <f64>f < 0.1 ? f : 0;
}

// One feature's value, OpenCV's OptFeature::calc in f32: w0·s0 + w1·s1 (+ w2·s2 when there is a third rectangle).
// @ts-ignore: decorator
@inline function feature(p: usize, node: usize): f32 {
  let v = load<f32>(node + N_W0) * <f32>rectSum(p, node) + load<f32>(node + N_W0, 4) * <f32>rectSum(p, node + N_RECT_BYTES);
  if (load<i32>(node + N_NRECTS) > 2) v += load<f32>(node + N_W0, 8) * <f32>rectSum(p, node + 2 * N_RECT_BYTES);
  return v;
}

// predictOrderedStump: 1 when every stage passes, else −(index of the failing stage); −1 for a refused window.
export function evalStumps(cascade: usize, p: usize): i32 {
  return evalStumpsTo(cascade, p, load<i32>(cascade + H_NSTAGES));
}

// Stages 0 to s1 − 1 for one window (the compiled scan's result per window, src/detect/jit.ts): 1 when they
// all pass, else as evalStumps.
export function evalStumpsTo(cascade: usize, p: usize, s1: i32): i32 {
  const f = varianceFactor(cascade, p);
  if (f == 0) return -1;
  return stumpsBetween(cascade, p, f, 0, s1, <usize>load<i32>(cascade + H_STAGES), <usize>load<i32>(cascade + H_NODES));
}

// Stages s0 to s1 − 1 of a stump cascade for one window with variance factor f, st and node pointing at stage
// s0 and its first node: 1 when they all pass (the window goes on, or is accepted if s1 is the last).
// @ts-ignore: decorator
@inline export function stumpsBetween(cascade: usize, p: usize, f: f32, s0: i32, s1: i32, st: usize, node: usize): i32 {
  for (let s = s0; s < s1; s++) {
    const nt = load<i32>(st, S_NTREES);
    let acc: f64 = 0;
    for (let i = 0; i < nt; i++) {
      const v = feature(p, node) * f;
      acc += <f64>(v < load<f32>(node + N_THR) ? load<f32>(node + N_LEFT) : load<f32>(node + N_RIGHT));
      node += NODE_BYTES;
    }
    if (acc < <f64>load<f32>(st, S_THRESHOLD)) return -s;
    st += STAGE_BYTES;
  }
  return 1;
}

// predictOrdered: trees of any depth; a child index ≤ 0 is the leaf −index.
export function evalTrees(cascade: usize, p: usize): i32 {
  return evalTreesTo(cascade, p, load<i32>(cascade + H_NSTAGES));
}

// Stages 0 to s1 − 1 of a tree cascade for one window, as evalStumpsTo for stumps.
export function evalTreesTo(cascade: usize, p: usize, s1: i32): i32 {
  const f = varianceFactor(cascade, p);
  if (f == 0) return -1;
  return treesBetween(cascade, p, f, 0, s1);
}

// Stages s0 to s1 − 1 of a tree cascade for one window with variance factor f: 1 when they all pass.
export function treesBetween(cascade: usize, p: usize, f: f32, s0: i32, s1: i32): i32 {
  let st = <usize>load<i32>(cascade + H_STAGES) + <usize>s0 * STAGE_BYTES;
  const nodes = <usize>load<i32>(cascade + H_NODES);
  const leaves = <usize>load<i32>(cascade + H_LEAVES);
  const trees = <usize>load<i32>(cascade + H_TREES);
  for (let s = s0; s < s1; s++) {
    const nt = load<i32>(st, S_NTREES);
    let tr = trees + <usize>load<i32>(st, S_FIRST_TREE) * TREE_BYTES;
    let acc: f64 = 0;
    for (let i = 0; i < nt; i++) {
      const root = nodes + <usize>load<i32>(tr, T_FIRST_NODE) * NODE_BYTES;
      let idx = 0;
      do {
        const node = root + <usize>idx * NODE_BYTES;
        const v = feature(p, node) * f;
        idx = v < load<f32>(node + N_THR) ? load<i32>(node + N_LEFT) : load<i32>(node + N_RIGHT);
      } while (idx > 0);
      acc += <f64>load<f32>(leaves + ((<usize>(load<i32>(tr, T_FIRST_LEAF) - idx)) << 2));
      tr += TREE_BYTES;
    }
    if (acc < <f64>load<f32>(st, S_THRESHOLD)) return -s;
    st += STAGE_BYTES;
  }
  return 1;
}
