import { H_NSTAGES, H_STAGES, H_NODES, H_NOFS, H_SQOFS, H_AREA, STAGE_BYTES, NODE_BYTES, N_W0, N_THR, N_LEFT, N_RIGHT, N_NRECTS } from "./layout";
import { evalStumps, stumpsFrom } from "./scan";

// The stump-cascade scan, four windows at a time: the windows at x, x+step, x+2·step, x+3·step of one row
// share every corner offset, so each corner is one v128 load (step 1) or two loads and a shuffle (step 2).
// Every lane computes exactly what the scalar path computes — f32x4 multiply/add are the same IEEE f32
// operations, stage sums are kept in f64 per lane in the same order, the variance test is in f64 — so the
// results are bit-identical to evalStumps, only four at once. A group runs stage after stage while any lane
// is alive. OpenCV's extra step after a first-stage rejection only decides which windows are visited, and a
// window's result does not depend on it, so it is applied afterwards when walking the four results; after the
// first stage, lanes that will not be visited are dropped from the later stages (their results are never read).

export function scanStumps4(cascade: usize, sum: usize, stride: i32, ww: i32, wh: i32, ystep: i32, out: usize): i32 {
  return ystep == 1 ? scanRows(cascade, sum, stride, ww, wh, 1, out) : scanRows(cascade, sum, stride, ww, wh, 2, out);
}

// @ts-ignore: decorator
@inline function scanRows(cascade: usize, sum: usize, stride: i32, ww: i32, wh: i32, step: i32, out: usize): i32 {
  let n = 0;
  const span = 4 * step;
  for (let y = 0; y < wh; y += step) {
    const rowp = sum + ((<usize>y * <usize>stride) << 2);
    skipNext = false;
    let x = 0;
    for (; x + 3 * step < ww; x += span) n = walk4(group(cascade, rowp + (<usize>x << 2), step, skipNext), x, y, step, out, n);
    n = walkTail(cascade, rowp, x, y, ww, step, out, n);
  }
  return n;
}

// OpenCV's visiting rule within a row: the window after one the first stage rejects (result 0) is not visited.
let skipNext = false;

// The four results of the windows at x, x+step, x+2·step, x+3·step, in visiting order: accepted ones
// appended to out as (x, y); returns the new count.
// @ts-ignore: decorator
@inline function walk4(res: v128, x: i32, y: i32, step: i32, out: usize, n: i32): i32 {
  for (let k = 0; k < 4; k++) {
    if (skipNext) {
      skipNext = false;
      continue;
    }
    const r = lane(res, k);
    if (r > 0) {
      store<i32>(out + (<usize>n << 3), x + k * step);
      store<i32>(out + (<usize>n << 3), y, 4);
      n++;
    } else if (r == 0) skipNext = true;
  }
  return n;
}

// The windows of a row from x on, fewer than four, one at a time.
// @ts-ignore: decorator
@inline function walkTail(cascade: usize, rowp: usize, x: i32, y: i32, ww: i32, step: i32, out: usize, n: i32): i32 {
  if (skipNext) x += step;
  for (; x < ww; x += step) {
    const r = evalStumps(cascade, rowp + (<usize>x << 2));
    if (r > 0) {
      store<i32>(out + (<usize>n << 3), x);
      store<i32>(out + (<usize>n << 3), y, 4);
      n++;
    } else if (r == 0) x += step;
  }
  return n;
}

// @ts-ignore: decorator
@inline function lane(v: v128, k: i32): i32 {
  return k == 0 ? i32x4.extract_lane(v, 0) : k == 1 ? i32x4.extract_lane(v, 1) : k == 2 ? i32x4.extract_lane(v, 2) : i32x4.extract_lane(v, 3);
}

// Entry at byte offset o from p for the four windows.
// @ts-ignore: decorator
@inline function load4(p: usize, o: usize, step: i32): v128 {
  if (step == 1) return v128.load(p + o);
  return v128.shuffle<i32>(v128.load(p + o), v128.load(p + o, 16), 0, 2, 4, 6);
}

// @ts-ignore: decorator
@inline function rect4(p: usize, o: usize, step: i32): v128 {
  const a = load4(p, <usize>load<i32>(o), step);
  const b = load4(p, <usize>load<i32>(o, 4), step);
  const c = load4(p, <usize>load<i32>(o, 8), step);
  const d = load4(p, <usize>load<i32>(o, 12), step);
  return i32x4.add(i32x4.sub(i32x4.sub(a, b), c), d);
}

// Per lane: 1 accepted, −s rejected by stage s, −1 refused for low variance.
// @ts-ignore: decorator
@inline function group(cascade: usize, p: usize, step: i32, skipIn: bool): v128 {
  // Variance factor, as varianceFactor() in scan.ts, lane by lane in f64.
  const no = cascade + H_NOFS;
  const vs = rect4(p, no, step);
  const vq = rect4(p + <usize>load<i32>(cascade + H_SQOFS), no, step);
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
  const res = v128.bitselect(i32x4.splat(1), i32x4.splat(-1), alive);
  if (!v128.any_true(alive)) return res;
  return stages4(cascade, p, step, f, alive, res, 0, <usize>load<i32>(cascade + H_STAGES), <usize>load<i32>(cascade + H_NODES), skipIn);
}

// Stages s0.. for the four windows at p with variance factors f: lanes in `alive` still running, `res` their
// results so far; st and node point at stage s0 and its first node.
// @ts-ignore: decorator
@inline function stages4(cascade: usize, p: usize, step: i32, f: v128, alive: v128, res: v128, s0: i32, st: usize, node: usize, skipIn: bool): v128 {
  const nstages = load<i32>(cascade + H_NSTAGES);
  for (let s = s0; s < nstages; s++) {
    const nt = load<i32>(st);
    let accLo = f64x2.splat(0), accHi = f64x2.splat(0);
    for (let i = 0; i < nt; i++) {
      let v = f32x4.add(
        f32x4.mul(f32x4.splat(load<f32>(node + N_W0)), f32x4.convert_i32x4_s(rect4(p, node, step))),
        f32x4.mul(f32x4.splat(load<f32>(node + N_W0, 4)), f32x4.convert_i32x4_s(rect4(p, node + 16, step))),
      );
      if (load<i32>(node + N_NRECTS) > 2) {
        v = f32x4.add(v, f32x4.mul(f32x4.splat(load<f32>(node + N_W0, 8)), f32x4.convert_i32x4_s(rect4(p, node + 32, step))));
      }
      v = f32x4.mul(v, f);
      const leaf = v128.bitselect(f32x4.splat(load<f32>(node + N_LEFT)), f32x4.splat(load<f32>(node + N_RIGHT)), f32x4.lt(v, f32x4.splat(load<f32>(node + N_THR))));
      accLo = f64x2.add(accLo, f64x2.promote_low_f32x4(leaf));
      accHi = f64x2.add(accHi, f64x2.promote_low_f32x4(v128.shuffle<i32>(leaf, leaf, 2, 3, 0, 1)));
      node += NODE_BYTES;
    }
    const thr = f64x2.splat(<f64>load<f32>(st, 4));
    const fail = v128.and(alive, v128.shuffle<i32>(f64x2.lt(accLo, thr), f64x2.lt(accHi, thr), 0, 2, 4, 6));
    res = v128.bitselect(i32x4.splat(-s), res, fail);
    alive = v128.andnot(alive, fail);
    if (s == 0) {
      // Lanes OpenCV never visits (the one after a first-stage rejection) need no further stages.
      const r0 = i32x4.extract_lane(fail, 0) != 0, r1 = i32x4.extract_lane(fail, 1) != 0, r2 = i32x4.extract_lane(fail, 2) != 0;
      const v0 = !skipIn, v1 = !(v0 && r0), v2 = !(v1 && r1), v3 = !(v2 && r2);
      let vis = i32x4.splat(0);
      vis = i32x4.replace_lane(vis, 0, v0 ? -1 : 0);
      vis = i32x4.replace_lane(vis, 1, v1 ? -1 : 0);
      vis = i32x4.replace_lane(vis, 2, v2 ? -1 : 0);
      vis = i32x4.replace_lane(vis, 3, v3 ? -1 : 0);
      alive = v128.and(alive, vis);
    }
    if (!v128.any_true(alive)) break;
    st += STAGE_BYTES;
    // One live lane left: finish it alone in scalar code rather than carry three dead lanes through the
    // remaining stages (the same f32/f64 operations, so the same result).
    const mask = i32x4.bitmask(alive);
    if ((mask & (mask - 1)) == 0 && s + 1 < nstages) {
      const k = ctz(mask);
      const r = stumpsFrom(cascade, p + (<usize>(k * step) << 2), laneF32(f, k), s + 1, st, node);
      return setLane(res, k, r);
    }
  }
  return res;
}

// @ts-ignore: decorator
@inline function laneF32(v: v128, k: i32): f32 {
  return k == 0 ? f32x4.extract_lane(v, 0) : k == 1 ? f32x4.extract_lane(v, 1) : k == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
}

// @ts-ignore: decorator
@inline function setLane(v: v128, k: i32, x: i32): v128 {
  return k == 0 ? i32x4.replace_lane(v, 0, x) : k == 1 ? i32x4.replace_lane(v, 1, x) : k == 2 ? i32x4.replace_lane(v, 2, x) : i32x4.replace_lane(v, 3, x);
}
