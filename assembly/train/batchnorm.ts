import { SCRATCH } from "./scratch";

// Batch normalisation over the M = N·H·W pixels of a batch, per channel. x, y, dx, dy: [M, C]; the rest [C].
//
// Training mode (what Keras's BatchNormalization does with training=True, and PyTorch's BatchNorm2d in
// train()): mean and the BIASED variance (divided by M) of the batch normalise x:
//   y = gamma · (x - mean) · invStd + beta,   invStd = 1 / sqrt(var + eps)
// and the moving statistics take a step towards the batch's with Keras's momentum convention:
//   moving = moving · momentum + batch · (1 - momentum)            (Keras momentum 0.99 = PyTorch's 0.01)
// For the moving variance, Keras feeds in the same biased variance; PyTorch feeds in the UNBIASED one,
// var · M / (M - 1). unbiased = 0 gives Keras's, 1 PyTorch's (this repository's reference model was trained
// with PyTorch). Statistics are f32 sums over blocks of 128 pixels, the squared deviations each from its
// block's own mean, combined across blocks in f64 (channelMoments), so large M and large means lose no
// precision while x is read once.

const ROWS: i32 = 128;

// Per channel c, into f64 arrays (each skipped when its pointer is 0):
//   sumB[c] = Σ_p b[p,c]                                   (Σ x in the forward, Σ dy in the backward)
//   sumProd[c] = Σ_p (a[p,c] - shiftA[c]) · b[p,c]         (shiftA f32 [C])
// (a = x, shiftA = mean, b = dy: Σ dy·(x - mean), the backward's). f32 partial sums over blocks of ROWS
// pixels in registers (two pixels a step, in two chains, so the adds' latency does not bound the loop),
// then added to the f64 totals.
function channelSums(a: usize, shiftA: usize, b: usize, M: i32, C: i32, sumB: usize, sumProd: usize): void {
  const px = <usize>C << 2;
  const C4 = C & ~3;
  memory.fill(sumB, 0, <usize>C << 3);
  memory.fill(sumProd, 0, <usize>C << 3);
  for (let p0 = 0; p0 < M; p0 += ROWS) {
    const n = min(ROWS, M - p0);
    const off = <usize>p0 * px;
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      const sa = v128.load(shiftA + cb);
      let s0 = f32x4.splat(0), s1 = s0, q0 = s0, q1 = s0;
      let pa = a + off + cb, pb = b + off + cb;
      let i = 0;
      for (; i + 2 <= n; i += 2) {
        const b0 = v128.load(pb), b1 = v128.load(pb + px);
        s0 = f32x4.add(s0, b0);
        s1 = f32x4.add(s1, b1);
        q0 = f32x4.add(q0, f32x4.mul(f32x4.sub(v128.load(pa), sa), b0));
        q1 = f32x4.add(q1, f32x4.mul(f32x4.sub(v128.load(pa + px), sa), b1));
        pa += 2 * px;
        pb += 2 * px;
      }
      if (i < n) {
        const b0 = v128.load(pb);
        s0 = f32x4.add(s0, b0);
        q0 = f32x4.add(q0, f32x4.mul(f32x4.sub(v128.load(pa), sa), b0));
      }
      const d = <usize>c << 3;
      addLanes(sumB + d, f32x4.add(s0, s1));
      addLanes(sumProd + d, f32x4.add(q0, q1));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      const sa: f32 = load<f32>(shiftA + cb);
      let acc1: f32 = 0, acc2: f32 = 0;
      let pa = a + off + cb, pb = b + off + cb;
      for (let i = 0; i < n; i++) {
        const vb = load<f32>(pb);
        acc1 += vb;
        acc2 += (load<f32>(pa) - sa) * vb;
        pa += px;
        pb += px;
      }
      const d = <usize>c << 3;
      store<f64>(sumB + d, load<f64>(sumB + d) + <f64>acc1);
      store<f64>(sumProd + d, load<f64>(sumProd + d) + <f64>acc2);
    }
  }
}

// Per channel c of x [M, C], block by block (ROWS pixels, in L1 while both passes read it): the block's
// f32 sum, then its squared deviations from its own mean; into f64 [C] arrays
//   S1 = Σ_blocks sum,  S2 = Σ_blocks Σ (x - blockMean)²,  S3 = Σ_blocks sum² / n
// from which (Chan et al.'s pairwise combination) mean = S1 / M and Σ (x - mean)² = S2 + S3 - S1² / M, with
// the last subtraction in f64 over block means. x is read from memory once, where the earlier two
// passes over the whole batch (mean, then deviations) read it twice.
function channelMoments(x: usize, M: i32, C: i32, S1: usize, S2: usize, S3: usize): void {
  const px = <usize>C << 2;
  const C4 = C & ~3;
  memory.fill(S1, 0, <usize>C << 3);
  memory.fill(S2, 0, <usize>C << 3);
  memory.fill(S3, 0, <usize>C << 3);
  for (let p0 = 0; p0 < M; p0 += ROWS) {
    const n = min(ROWS, M - p0);
    const invN = f32x4.splat(<f32>1 / <f32>n);
    const off = x + <usize>p0 * px;
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      let s0 = f32x4.splat(0), s1 = s0;
      let p = off + cb;
      let i = 0;
      for (; i + 2 <= n; i += 2) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p + px));
        p += 2 * px;
      }
      if (i < n) s0 = f32x4.add(s0, v128.load(p));
      const sum = f32x4.add(s0, s1);
      const m = f32x4.mul(sum, invN);
      let q0 = f32x4.splat(0), q1 = q0;
      p = off + cb;
      i = 0;
      for (; i + 2 <= n; i += 2) {
        const d0 = f32x4.sub(v128.load(p), m), d1 = f32x4.sub(v128.load(p + px), m);
        q0 = f32x4.add(q0, f32x4.mul(d0, d0));
        q1 = f32x4.add(q1, f32x4.mul(d1, d1));
        p += 2 * px;
      }
      if (i < n) {
        const d0 = f32x4.sub(v128.load(p), m);
        q0 = f32x4.add(q0, f32x4.mul(d0, d0));
      }
      const d = <usize>c << 3;
      addMoments(S1 + d, S2 + d, S3 + d, f32x4.extract_lane(sum, 0), f32x4.extract_lane(f32x4.add(q0, q1), 0), n);
      addMoments(S1 + d + 8, S2 + d + 8, S3 + d + 8, f32x4.extract_lane(sum, 1), f32x4.extract_lane(f32x4.add(q0, q1), 1), n);
      addMoments(S1 + d + 16, S2 + d + 16, S3 + d + 16, f32x4.extract_lane(sum, 2), f32x4.extract_lane(f32x4.add(q0, q1), 2), n);
      addMoments(S1 + d + 24, S2 + d + 24, S3 + d + 24, f32x4.extract_lane(sum, 3), f32x4.extract_lane(f32x4.add(q0, q1), 3), n);
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      let sum: f32 = 0;
      let p = off + cb;
      for (let i = 0; i < n; i++) { sum += load<f32>(p); p += px; }
      const m = sum / <f32>n;
      let q: f32 = 0;
      p = off + cb;
      for (let i = 0; i < n; i++) { const dv = load<f32>(p) - m; q += dv * dv; p += px; }
      const d = <usize>c << 3;
      addMoments(S1 + d, S2 + d, S3 + d, sum, q, n);
    }
  }
}

// @ts-ignore: decorator
@inline function addMoments(s1: usize, s2: usize, s3: usize, sum: f32, q: f32, n: i32): void {
  const sd = <f64>sum;
  store<f64>(s1, load<f64>(s1) + sd);
  store<f64>(s2, load<f64>(s2) + <f64>q);
  store<f64>(s3, load<f64>(s3) + sd * sd / <f64>n);
}

// s[0..3] += the 4 lanes of v, in f64.
// @ts-ignore: decorator
@inline function addLanes(s: usize, v: v128): void {
  store<f64>(s, load<f64>(s) + <f64>f32x4.extract_lane(v, 0));
  store<f64>(s, load<f64>(s, 8) + <f64>f32x4.extract_lane(v, 1), 8);
  store<f64>(s, load<f64>(s, 16) + <f64>f32x4.extract_lane(v, 2), 16);
  store<f64>(s, load<f64>(s, 24) + <f64>f32x4.extract_lane(v, 3), 24);
}

// Forward, training mode. Writes y [M, C], and for the backward pass saveMean [C] (the batch mean) and
// saveInvStd [C] (1 / sqrt(biased var + eps)). When movingMean != 0, updates movingMean and movingVar [C]
// in place (see above for momentum and unbiased). C ≤ scratchBytes() / 24. M ≥ 1.
export function batchNormForwardTrain(x: usize, M: i32, C: i32, gamma: usize, beta: usize, eps: f64, y: usize,
                                      saveMean: usize, saveInvStd: usize,
                                      movingMean: usize, movingVar: usize, momentum: f64, unbiased: i32): void {
  const s1 = SCRATCH, s2 = SCRATCH + (<usize>C << 3), s3 = SCRATCH + (<usize>C << 4);
  const invM = 1.0 / <f64>M;
  // one pass over x for the statistics (see channelMoments)
  channelMoments(x, M, C, s1, s2, s3);
  for (let c = 0; c < C; c++) {
    const cb = <usize>c << 2, d = <usize>c << 3;
    const S1 = load<f64>(s1 + d);
    const mean = S1 * invM;
    const v = max(0, load<f64>(s2 + d) + load<f64>(s3 + d) - S1 * mean) * invM;
    store<f32>(saveMean + cb, <f32>mean);
    store<f32>(saveInvStd + cb, <f32>(1.0 / Math.sqrt(v + eps)));
    if (movingMean) {
      const vm = unbiased && M > 1 ? v * <f64>M / <f64>(M - 1) : v;
      store<f32>(movingMean + cb, <f32>(<f64>load<f32>(movingMean + cb) * momentum + mean * (1 - momentum)));
      store<f32>(movingVar + cb, <f32>(<f64>load<f32>(movingVar + cb) * momentum + vm * (1 - momentum)));
    }
  }
  // pass 3: y = (x - mean) · k + beta, k = gamma · invStd (f32 [C] in scratch, the sums are no longer needed)
  const k = SCRATCH;
  for (let c = 0; c < C; c++) {
    const cb = <usize>c << 2;
    store<f32>(k + cb, load<f32>(gamma + cb) * load<f32>(saveInvStd + cb));
  }
  normalize(x, M, C, saveMean, k, beta, y);
}

// Backward of the training-mode forward (the batch statistics depend on x, so dx has three terms):
//   xhat = (x - mean)·invStd,  dBeta = Σ_p dy,  dGamma = Σ_p dy·xhat
//   dx = gamma·invStd/M · (M·dy - dBeta - xhat·dGamma)
// x: the forward's input; saveMean, saveInvStd: what the forward saved. Writes dx [M, C] (overwritten) and
// dGamma, dBeta [C] (added to when accumulate != 0). C ≤ scratchBytes() / 28.
export function batchNormBackward(x: usize, dy: usize, M: i32, C: i32, gamma: usize, saveMean: usize, saveInvStd: usize,
                                  dx: usize, dGamma: usize, dBeta: usize, accumulate: i32): void {
  // f64 Σ dy [C] and Σ dy·(x - mean) [C] in scratch, one pass
  const s1 = SCRATCH, s2 = SCRATCH + (<usize>C << 3);
  channelSums(x, saveMean, dy, M, C, s1, s2);
  const invM = 1.0 / <f64>M;
  // dx = k1·dy + k2 + k3·(x - mean) with k1 = gamma·invStd, k2 = -k1·Σdy/M, k3 = -k1·invStd·dGamma/M.
  // k1, k2, k3: f32 [C] each, after the two f64 arrays (16·C + 12·C bytes; see the limit in scratch.ts).
  const kk = SCRATCH + (<usize>C << 4);
  for (let c = 0; c < C; c++) {
    const cb = <usize>c << 2;
    const sdy = load<f64>(s1 + (<usize>c << 3));
    const sdyx = load<f64>(s2 + (<usize>c << 3));
    const inv = <f64>load<f32>(saveInvStd + cb);
    const dg = sdyx * inv;
    const a = <f64>load<f32>(gamma + cb) * inv;
    store<f32>(dGamma + cb, <f32>(accumulate ? <f64>load<f32>(dGamma + cb) + dg : dg));
    store<f32>(dBeta + cb, <f32>(accumulate ? <f64>load<f32>(dBeta + cb) + sdy : sdy));
    store<f32>(kk + cb, <f32>a);
    store<f32>(kk + (<usize>C << 2) + cb, <f32>(-a * sdy * invM));
    store<f32>(kk + (<usize>C << 3) + cb, <f32>(-a * inv * dg * invM));
  }
  const K1 = kk, K2 = kk + (<usize>C << 2), K3 = kk + (<usize>C << 3);
  const px = <usize>C << 2;
  const C4 = C & ~3;
  for (let p = 0; p < M; p++) {
    const o = <usize>p * px;
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      const xm = f32x4.sub(v128.load(x + o + cb), v128.load(saveMean + cb));
      const v = f32x4.add(f32x4.add(f32x4.mul(v128.load(K1 + cb), v128.load(dy + o + cb)), v128.load(K2 + cb)), f32x4.mul(v128.load(K3 + cb), xm));
      v128.store(dx + o + cb, v);
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      const xm = load<f32>(x + o + cb) - load<f32>(saveMean + cb);
      store<f32>(dx + o + cb, load<f32>(K1 + cb) * load<f32>(dy + o + cb) + load<f32>(K2 + cb) + load<f32>(K3 + cb) * xm);
    }
  }
}

// Inference mode with the moving statistics: y = gamma · (x - movingMean) / sqrt(movingVar + eps) + beta.
// For validation passes inside the training module's memory. C ≤ scratchBytes() / 4.
export function batchNormInference(x: usize, M: i32, C: i32, gamma: usize, beta: usize, movingMean: usize, movingVar: usize,
                                   eps: f64, y: usize): void {
  const k = SCRATCH;
  for (let c = 0; c < C; c++) {
    const cb = <usize>c << 2;
    store<f32>(k + cb, <f32>(<f64>load<f32>(gamma + cb) / Math.sqrt(<f64>load<f32>(movingVar + cb) + eps)));
  }
  normalize(x, M, C, movingMean, k, beta, y);
}

// y[p, c] = (x[p, c] − mean[c]) · k[c] + beta[c] over x, y [M, C]: the last step of both the training-mode forward
// (batch mean, k = gamma·invStd) and the inference one (moving mean, k = gamma / sqrt(movingVar + eps)).
// @ts-ignore: decorator
@inline function normalize(x: usize, M: i32, C: i32, mean: usize, k: usize, beta: usize, y: usize): void {
  const px = <usize>C << 2;
  const C4 = C & ~3;
  for (let p = 0; p < M; p++) {
    const xi = x + <usize>p * px, yi = y + <usize>p * px;
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      v128.store(yi + cb, f32x4.add(f32x4.mul(f32x4.sub(v128.load(xi + cb), v128.load(mean + cb)), v128.load(k + cb)), v128.load(beta + cb)));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      store<f32>(yi + cb, (load<f32>(xi + cb) - load<f32>(mean + cb)) * load<f32>(k + cb) + load<f32>(beta + cb));
    }
  }
}
