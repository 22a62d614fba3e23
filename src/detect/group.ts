import { cvRound, f32 } from "./round.js";

// OpenCV's groupRectangles (cascadedetect.cpp) with its partition() (operations.hpp): candidates are joined
// into classes by SimilarRects(eps) — all four edges within eps·(mean of the smaller sides)/2 — transitively;
// each class with more than minNeighbors members gives its mean rectangle (f32, cvRound), and a class's mean
// is dropped when it lies inside another kept class's (± eps·size) that has more members (n2 > max(3, n1))
// or when it has fewer than 3 members and lies inside any other. Ported as written, roundings included.

export type Box = [number, number, number, number];

export function groupRectangles(rects: Box[], groupThreshold: number, eps: number): Box[] {
  if (groupThreshold <= 0 || rects.length === 0) return rects.slice();
  const { labels, nclasses } = partition(rects, eps);
  const sums: number[][] = Array.from({ length: nclasses }, () => [0, 0, 0, 0]);
  const counts = new Array<number>(nclasses).fill(0);
  labels.forEach((cls, i) => {
    for (let k = 0; k < 4; k++) sums[cls][k] += rects[i][k];
    counts[cls]++;
  });
  const means: Box[] = sums.map((r, i) => {
    const s = f32(1 / counts[i]);
    return r.map((v) => cvRound(f32(f32(v) * s))) as Box;
  });
  const out: Box[] = [];
  for (let i = 0; i < nclasses; i++) {
    const r1 = means[i], n1 = counts[i];
    if (n1 <= groupThreshold) continue;
    let j = 0;
    for (; j < nclasses; j++) {
      const n2 = counts[j];
      if (j === i || n2 <= groupThreshold) continue;
      const r2 = means[j];
      const dx = cvRound(r2[2] * eps), dy = cvRound(r2[3] * eps);
      if (
        r1[0] >= r2[0] - dx &&
        r1[1] >= r2[1] - dy &&
        r1[0] + r1[2] <= r2[0] + r2[2] + dx &&
        r1[1] + r1[3] <= r2[1] + r2[3] + dy &&
        (n2 > Math.max(3, n1) || n1 < 3)
      )
        break;
    }
    if (j === nclasses) out.push(r1);
  }
  return out;
}

function similar(a: Box, b: Box, eps: number): boolean {
  const delta = eps * (Math.min(a[2], b[2]) + Math.min(a[3], b[3])) * 0.5;
  return (
    Math.abs(a[0] - b[0]) <= delta &&
    Math.abs(a[1] - b[1]) <= delta &&
    Math.abs(a[0] + a[2] - b[0] - b[2]) <= delta &&
    Math.abs(a[1] + a[3] - b[1] - b[3]) <= delta
  );
}

// Union–find over the similarity graph; classes numbered in order of first appearance, as OpenCV does.
function partition(v: Box[], eps: number): { labels: number[]; nclasses: number } {
  const n = v.length;
  const parent = new Int32Array(n).fill(-1);
  const rank = new Int32Array(n);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] >= 0) r = parent[r];
    while (parent[i] >= 0) {
      const p = parent[i];
      parent[i] = r;
      i = p;
    }
    return r;
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (!similar(v[i], v[j], eps)) continue;
      const a = find(i), b = find(j);
      if (a === b) continue;
      if (rank[a] > rank[b]) parent[b] = a;
      else {
        parent[a] = b;
        if (rank[a] === rank[b]) rank[b]++;
      }
    }
  }
  const labels = new Array<number>(n);
  const classOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let c = classOf.get(r);
    if (c === undefined) classOf.set(r, (c = classOf.size));
    labels[i] = c;
  }
  return { labels, nclasses: classOf.size };
}
