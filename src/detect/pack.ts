import type { Cascade } from "./cascade.js";
import { sumBand } from "./band.js";
import * as L from "../abi/haar.js";

// Lays a cascade out for the WASM scanner (the offsets: src/abi/haar.ts, shared with assembly/haar/): stage records,
// node records with each feature inlined as byte offsets of its rectangles' corners relative to the window's
// top-left entry of the integral image (so the kernel does loads and adds, no index arithmetic), leaves, trees.
// Offsets depend on the integral images' row stride, so a detector repacks when the frame width changes.

const HEADER = L.HEADER_BYTES, STAGE = L.STAGE_BYTES, NODE = L.NODE_BYTES, TREE = L.TREE_BYTES;
/** Trees the SIMD scan takes: at most this many nodes, so at most this deep (deeper ones: the scalar scan). */
export const SIMD_TREE_NODES = 3;

/** Byte offsets of the packed layout (src/abi/haar.ts), under the names the cascade compiler (jit.ts) uses. */
export const PACK = { ...L, STAGE, NODE, TREE } as const;

/**
 * The band of a packed stump stage's f32 sums that cannot decide it (band.ts's sumBand), from its record at byte
 * address st and its nt nodes from node0; f32 views all of memory. `scale` widens it (tests).
 */
export function stageBand(f32: Float32Array, st: number, node0: number, nt: number, scale = 1): { lo: number; hi: number } {
  const diffs = Array.from({ length: nt }, (_, i) => f32[(node0 + i * NODE + PACK.N_DIFF) >> 2]);
  return sumBand(f32[(st + PACK.S_RIGHTS) >> 2], diffs, f32[(st + L.S_THRESHOLD) >> 2], scale);
}

export interface PackGeometry {
  /** row stride of the integral images, in i32 entries */
  stride: number;
  /** bytes from the sum integral to the squared-sum integral */
  sqofsBytes: number;
  /** bytes from the sum integral to the tilted integral (unused without tilted features) */
  tofsBytes: number;
}

export function packedSize(c: Cascade): number {
  const nodes = c.nodeLeft.length, trees = c.treeFirstNode.length;
  return HEADER + c.stageTrees.length * STAGE + nodes * NODE + trees * TREE + c.leaves.length * 4 + (c.stumps ? 0 : pathBytes(c));
}

/**
 * Each tree's leaves with the path to them, for the SIMD tree scan: the node masks ANDed along a path say which
 * lanes reach that leaf. Per leaf [node, went left (v < threshold)] steps from the root; null when a tree has
 * more than SIMD_TREE_NODES nodes.
 */
function treePaths(c: Cascade, t: number): { leaf: number; steps: [number, boolean][] }[] | null {
  const n = c.treeNodeCount[t], first = c.treeFirstNode[t];
  if (n > SIMD_TREE_NODES) return null;
  const out: { leaf: number; steps: [number, boolean][] }[] = [];
  const walk = (k: number, steps: [number, boolean][]) => {
    for (const [child, left] of [[c.nodeLeft[first + k], true], [c.nodeRight[first + k], false]] as const) {
      const path: [number, boolean][] = [...steps, [k, left]];
      if (child > 0) walk(child, path);
      else out.push({ leaf: -child, steps: path });
    }
  };
  walk(0, []);
  return out;
}

/**
 * Tree t's leaf paths where the SIMD tree scan can take it, else null: at most SIMD_TREE_NODES nodes, and no more
 * paths than leaves (a tree whose nodes share a child has more: the scalar scan takes that cascade).
 */
export function simdTreePaths(c: Cascade, t: number): ReturnType<typeof treePaths> {
  const ps = treePaths(c, t);
  return ps && ps.length <= c.treeNodeCount[t] + 1 ? ps : null;
}

// bytes of tree t's path table: the leaf count, then an entry for each of at most nodes + 1 leaves
function pathTableBytes(c: Cascade, t: number): number {
  return L.PATH_ENTRIES + L.PATH_ENTRY_BYTES * (c.treeNodeCount[t] + 1);
}

function pathBytes(c: Cascade): number {
  let b = 0;
  for (let t = 0; t < c.treeFirstNode.length; t++) b += pathTableBytes(c, t);
  return b;
}

/** Writes the packed cascade into mem (a view of WASM memory) at byte address base. */
export function packCascade(c: Cascade, g: PackGeometry, mem: ArrayBuffer, base: number): void {
  const size = packedSize(c);
  const i32 = new Int32Array(mem, base, size >> 2);
  const f32 = new Float32Array(mem, base, size >> 2);
  const nstages = c.stageTrees.length, nnodes = c.nodeLeft.length, ntrees = c.treeFirstNode.length;
  const stages = HEADER, nodes = stages + nstages * STAGE, trees = nodes + nnodes * NODE, leaves = trees + ntrees * TREE;
  const paths = leaves + c.leaves.length * 4;
  const { stride, sqofsBytes, tofsBytes } = g;
  i32[L.H_KIND >> 2] = c.stumps ? 0 : 1;
  i32[L.H_NSTAGES >> 2] = nstages;
  i32[L.H_STAGES >> 2] = base + stages;
  i32[L.H_NODES >> 2] = base + nodes;
  i32[L.H_LEAVES >> 2] = base + leaves;
  i32[L.H_TREES >> 2] = base + trees;
  // OpenCV's normrect: the window less a 1-pixel border, for the variance.
  upright(i32, L.H_NOFS >> 2, 1, 1, c.width - 2, c.height - 2, stride);
  i32[L.H_SQOFS >> 2] = sqofsBytes;
  i32[L.H_AREA >> 2] = (c.width - 2) * (c.height - 2);
  for (let s = 0; s < nstages; s++) {
    const o = (stages + s * STAGE) >> 2;
    i32[o + (L.S_NTREES >> 2)] = c.stageTrees[s];
    f32[o + (L.S_THRESHOLD >> 2)] = c.stageThreshold[s];
    i32[o + (L.S_FIRST_TREE >> 2)] = c.stageFirstTree[s];
    if (c.stumps) {
      // f32 stage sums (band.ts): the sum if every stump went right, in f32 (the band: below, once the nodes are)
      let rights = 0;
      for (let t = 0; t < c.stageTrees[s]; t++) rights += c.leaves[c.treeFirstLeaf[c.stageFirstTree[s] + t] + 1];
      f32[o + (L.S_RIGHTS >> 2)] = rights;
    }
  }
  for (let k = 0; k < nnodes; k++) {
    const o = (nodes + k * NODE) >> 2;
    const f = c.nodeFeature[k];
    const tilted = c.featureTilted[f] === 1;
    for (let r = 0; r < 3; r++) {
      const q = f * 12 + r * 4;
      const [x, y, w, h] = [c.featureRects[q], c.featureRects[q + 1], c.featureRects[q + 2], c.featureRects[q + 3]];
      const corners = o + ((r * L.N_RECT_BYTES) >> 2);
      if (tilted) tiltedOfs(i32, corners, x, y, w, h, stride, tofsBytes);
      else upright(i32, corners, x, y, w, h, stride);
      f32[o + (L.N_W0 >> 2) + r] = c.featureWeights[f * 3 + r];
    }
    f32[o + (L.N_THR >> 2)] = c.nodeThreshold[k];
    if (c.stumps) {
      // OpenCV's stump path ignores the child indices: below the threshold is leaf 0, else leaf 1.
      const t = k; // one node per tree: node k is tree k
      f32[o + (L.N_LEFT >> 2)] = c.leaves[c.treeFirstLeaf[t]];
      f32[o + (L.N_RIGHT >> 2)] = c.leaves[c.treeFirstLeaf[t] + 1];
      // left − right in f32: what going left adds to a stage's f32 sum (band.ts)
      f32[o + (L.N_DIFF >> 2)] = f32[o + (L.N_LEFT >> 2)] - f32[o + (L.N_RIGHT >> 2)];
    } else {
      i32[o + (L.N_LEFT >> 2)] = c.nodeLeft[k];
      i32[o + (L.N_RIGHT >> 2)] = c.nodeRight[k];
    }
    i32[o + (L.N_NRECTS >> 2)] = c.featureRectCount[f];
  }
  // stump stages: the band of f32 sums left to f64 (S_LO, S_HI)
  if (c.stumps) {
    const all = new Float32Array(mem);
    for (let s = 0, node = base + nodes; s < nstages; node += c.stageTrees[s] * NODE, s++) {
      const st = base + stages + s * STAGE;
      const { lo, hi } = stageBand(all, st, node, c.stageTrees[s]);
      all[(st + PACK.S_LO) >> 2] = lo;
      all[(st + PACK.S_HI) >> 2] = hi;
    }
  }
  // tree records: first node, first leaf, node count, byte address of the path table (trees only)
  let simd = !c.stumps, at = paths;
  for (let t = 0; t < ntrees; t++) {
    const o = (trees + t * TREE) >> 2;
    i32[o + (L.T_FIRST_NODE >> 2)] = c.treeFirstNode[t];
    i32[o + (L.T_FIRST_LEAF >> 2)] = c.treeFirstLeaf[t];
    i32[o + (L.T_NNODES >> 2)] = c.treeNodeCount[t];
    i32[o + (L.T_PATHS >> 2)] = base + at;
    if (c.stumps) continue;
    const ps = simdTreePaths(c, t);
    if (!ps) {
      simd = false;
      at += pathTableBytes(c, t);
      continue;
    }
    // path table: leaf count, then per leaf: value (f32), step count, steps (node · 2 + 1 when it went left)
    i32[at >> 2] = ps.length;
    ps.forEach(({ leaf, steps }, l) => {
      const e = at + L.PATH_ENTRIES + l * L.PATH_ENTRY_BYTES;
      f32[(e + L.PE_VALUE) >> 2] = c.leaves[c.treeFirstLeaf[t] + leaf];
      i32[(e + L.PE_NSTEPS) >> 2] = steps.length;
      steps.forEach(([k, left], j) => (i32[(e + L.PE_STEPS + 4 * j) >> 2] = k * 2 + (left ? 1 : 0)));
    });
    at += pathTableBytes(c, t);
  }
  i32[L.H_SIMD_TREES >> 2] = simd ? 1 : 0;
  f32.set(c.leaves, leaves >> 2);
}

// CV_SUM_OFS: corners (x, y), (x + w, y), (x, y + h), (x + w, y + h); sum = p0 − p1 − p2 + p3.
function upright(a: Int32Array, o: number, x: number, y: number, w: number, h: number, stride: number): void {
  a[o] = (y * stride + x) * 4;
  a[o + 1] = (y * stride + x + w) * 4;
  a[o + 2] = ((y + h) * stride + x) * 4;
  a[o + 3] = ((y + h) * stride + x + w) * 4;
}

// CV_TILTED_OFS: corners (x, y), (x − h, y + h), (x + w, y + w), (x + w − h, y + w + h) of the tilted integral.
function tiltedOfs(a: Int32Array, o: number, x: number, y: number, w: number, h: number, stride: number, tofs: number): void {
  a[o] = tofs + (y * stride + x) * 4;
  a[o + 1] = tofs + ((y + h) * stride + x - h) * 4;
  a[o + 2] = tofs + ((y + w) * stride + x + w) * 4;
  a[o + 3] = tofs + ((y + w + h) * stride + x + w - h) * 4;
}
