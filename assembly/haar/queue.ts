import { H_KIND, H_NSTAGES, H_STAGES, H_NODES, STAGE_BYTES, NODE_BYTES, S_NTREES, S_THRESHOLD, S_FIRST_TREE, T_FIRST_NODE, T_FIRST_LEAF, N_RECT_BYTES } from "./layout";
import { stumpStageFail4, treeStageFail4 } from "./stage4";

// The later stages of a cascade over a queue of windows, four at a time whatever their positions.
//
// The first stages run on groups of four neighbouring windows (scan4.ts, or its compiled twin src/detect/jit.ts),
// whose corners are single v128 loads; but past those stages few windows live and they are scattered, so a
// group of neighbours carries mostly dead lanes (measured: under half the lanes live from the third stage on). Here the
// survivors are queued and packed four to a vector: each corner is gathered lane by lane (load32_lane), which
// costs more per load but keeps every lane busy. Stage by stage, the queue is compacted in place (stable, so
// the accepted windows come out in scan order). (The compiled cascade, src/detect/jit.ts, runs the same queue
// differently: regrouped into neighbours, about two live lanes a group, whose corners are single loads with
// constant offsets — cheaper there, dearer here, where offsets are read at run time: measured both ways.)
//
// Every lane computes what the scalar scan (scan.ts) computes (stage4.ts), so the results are bit-identical.
//
// A queue entry is 8 bytes: the window's integral entry (byte address, i32) and its variance factor (f32).

// Walks the first-stage scan's per-group results (scan4.ts's scanGroups or the compiled scan: per group, four
// i32 results — 1 passed the first stages, −s rejected by stage s, −1 refused — then the four f32 variance
// factors; ⌈ww / (4·step)⌉ groups a row, groupsPerRow in src/detect/detector.ts, the last one's lanes past the
// row's last window not read) with OpenCV's visiting rule (x moves one extra step after a window the FIRST stage
// rejects), and queues the visited windows that passed the first stages. Returns the queue length.
export function queueSurvivors(sum: usize, stride: i32, ww: i32, wh: i32, step: i32, res: usize, queue: usize): i32 {
  let n = 0;
  const span = 4 * step;
  for (let y = 0; y < wh; y += step) {
    const rowp = sum + ((<usize>y * <usize>stride) << 2);
    let skip = false;
    for (let x = 0; x < ww; x += span) {
      const lanes = min(4, (ww - x + step - 1) / step);
      for (let k = 0; k < lanes; k++) {
        if (skip) {
          skip = false;
          continue;
        }
        const r = load<i32>(res + (<usize>k << 2));
        if (r > 0) {
          const p = rowp + (<usize>(x + k * step) << 2);
          store<i32>(queue + (<usize>n << 3), <i32>p);
          store<f32>(queue + (<usize>n << 3), load<f32>(res + (<usize>k << 2), 16), 4);
          n++;
        } else if (r == 0) skip = true;
      }
      res += 32;
    }
  }
  return n;
}

// Stages s0.. over the n queued windows; writes the accepted ones to out as (x, y) i32 pairs, in queue
// order, and returns how many. The queue is overwritten.
export function runQueue(cascade: usize, queue: usize, n: i32, s0: i32, sum: usize, stride: i32, out: usize): i32 {
  const nstages = load<i32>(cascade + H_NSTAGES);
  let st = <usize>load<i32>(cascade + H_STAGES);
  let node = <usize>load<i32>(cascade + H_NODES);
  for (let s = 0; s < s0; s++) {
    node += <usize>load<i32>(st, S_NTREES) * NODE_BYTES;
    st += STAGE_BYTES;
  }
  const trees = load<i32>(cascade + H_KIND) != 0;
  for (let s = s0; s < nstages && n > 0; s++) {
    const nt = load<i32>(st, S_NTREES);
    let kept = 0;
    for (let i = 0; i < n; i += 4) {
      const e = queue + (<usize>i << 3);
      const live = min(4, n - i);
      // a short last pack repeats its first window in the empty lanes (their results are not read)
      const p0 = <usize>load<i32>(e);
      const p1 = live > 1 ? <usize>load<i32>(e, 8) : p0;
      const p2 = live > 2 ? <usize>load<i32>(e, 16) : p0;
      const p3 = live > 3 ? <usize>load<i32>(e, 24) : p0;
      let f = f32x4.splat(load<f32>(e, 4));
      if (live > 1) f = f32x4.replace_lane(f, 1, load<f32>(e, 12));
      if (live > 2) f = f32x4.replace_lane(f, 2, load<f32>(e, 20));
      if (live > 3) f = f32x4.replace_lane(f, 3, load<f32>(e, 28));
      const stage = trees ? treeStageFail4(true, p0, p1, p2, p3, 1, f, cascade, st) : stumpStageFail4(true, p0, p1, p2, p3, 1, f, st, node);
      // passing lanes (sum ≥ threshold) stay in the queue, in order
      const fail = i32x4.bitmask(stage);
      for (let k = 0; k < live; k++) {
        if ((fail & (1 << k)) == 0) {
          store<u64>(queue + (<usize>kept << 3), load<u64>(e + (<usize>k << 3)));
          kept++;
        }
      }
    }
    n = kept;
    node += <usize>nt * NODE_BYTES; // (stumps: one node a tree)
    st += STAGE_BYTES;
  }
  // the survivors of every stage are the accepted windows
  const rowBytes = stride << 2;
  for (let i = 0; i < n; i++) {
    const ofs = <i32>(<usize>load<i32>(queue + (<usize>i << 3)) - sum);
    const y = ofs / rowBytes;
    store<i32>(out + (<usize>i << 3), (ofs - y * rowBytes) >> 2);
    store<i32>(out + (<usize>i << 3), y, 4);
  }
  return n;
}
