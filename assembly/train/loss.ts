// Softmax cross-entropy with label smoothing and optional per-row soft targets, mean over the batch, and its gradient.
//   logits, dLogits: [N, K] f32;  labels: [N] i32 class indices in 0..K-1 (checked by the TS wrapper)
//   soft: [N, K] f32 distributions (FER+ votes, a teacher's softmax), or 0 for none; a row of zeros means "no soft
//   target for this face": it trains on its label alone (w = 0 for that row)
// Target t = (1 - w)·((1 - ε)·onehot(label) + ε/K) + w·soft (ε: Keras's and PyTorch's label_smoothing; w: the soft
// weight). One formula for both, so with w = 0 (or no soft rows) every product below is by exactly 1 or 0 and the
// loss and gradient are bit for bit those of plain label smoothing. With p = softmax(z), Σ t = 1:
//   loss_n = -Σ_k t_k · log p_k = lse - (1-w)(1-ε)·z_label - (1-w)(ε/K)·Σ_k z_k - w·Σ_k soft_k z_k
//   returns mean_n loss_n;  dLogits[n,k] = (p_k - t_k) / N   (gradient of the mean; skipped when dLogits = 0)
// A distillation temperature T ≠ 1 (Hinton et al. 2015; soft = the teacher's softmax at T) splits a soft row's loss:
//   loss_n = (1-w)·(-Σ_k h_k log p_k) + w·T²·(-Σ_k soft_k log p^T_k),  h the smoothed one-hot, p^T = softmax(z / T)
//   dLogits[n,k] = ((1-w)(p_k - h_k) + w·T·(p^T_k - soft_k)) / N
// (T² keeps the soft term's gradient the size it has at T = 1). T = 1 takes the single-target path above, bit for bit.
// In f64 throughout (K is small: 7 classes), max-subtracted so exp never overflows.
export function softmaxCrossEntropy(logits: usize, labels: usize, N: i32, K: i32, smoothing: f64, soft: usize, softWeight: f64, temperature: f64, dLogits: usize): f64 {
  const off = smoothing / <f64>K;
  const invN = 1.0 / <f64>N;
  let total: f64 = 0;
  for (let n = 0; n < N; n++) {
    const z = logits + (<usize>(n * K) << 2);
    const label = load<i32>(labels + (<usize>n << 2));
    const q = soft ? soft + (<usize>(n * K) << 2) : 0;
    let m = -Infinity;
    let qsum: f64 = 0;
    for (let k = 0; k < K; k++) {
      m = max(m, <f64>load<f32>(z + (<usize>k << 2)));
      if (q) qsum += <f64>load<f32>(q + (<usize>k << 2));
    }
    // this row's soft weight: 0 without soft targets or where the row has none
    const w: f64 = qsum > 0 ? softWeight : 0;
    let s: f64 = 0, sz: f64 = 0, sq: f64 = 0;
    for (let k = 0; k < K; k++) {
      const zk = <f64>load<f32>(z + (<usize>k << 2));
      s += Math.exp(zk - m);
      sz += zk;
      if (w != 0) sq += <f64>load<f32>(q + (<usize>k << 2)) * zk;
    }
    const lse = m + Math.log(s);
    const hard = (1 - w) * (1 - smoothing), even = (1 - w) * off;
    if (w != 0 && temperature != 1) {
      total += distilledRow(z, label, K, lse, sz, hard, even, q, w, temperature, m, dLogits ? dLogits + (<usize>(n * K) << 2) : 0, invN);
      continue;
    }
    total += lse - hard * <f64>load<f32>(z + (<usize>label << 2)) - even * sz - w * sq;
    if (dLogits) {
      const d = dLogits + (<usize>(n * K) << 2);
      for (let k = 0; k < K; k++) {
        const p = Math.exp(<f64>load<f32>(z + (<usize>k << 2)) - lse);
        let t = (k == label ? hard : 0) + even;
        if (w != 0) t += w * <f64>load<f32>(q + (<usize>k << 2));
        store<f32>(d + (<usize>k << 2), <f32>((p - t) * invN));
      }
    }
  }
  return total * invN;
}

// One soft row's loss at temperature T ≠ 1 (see above): its hard part from the row's lse and Σz, its soft part from
// lse_T = log Σ exp(z / T); writes the row's gradient to d (0: skip). m: the row's largest logit.
function distilledRow(z: usize, label: i32, K: i32, lse: f64, sz: f64, hard: f64, even: f64, q: usize, w: f64, T: f64, m: f64, d: usize, invN: f64): f64 {
  const invT = 1.0 / T;
  let sT: f64 = 0, sqz: f64 = 0;
  for (let k = 0; k < K; k++) {
    const zk = <f64>load<f32>(z + (<usize>k << 2));
    sT += Math.exp((zk - m) * invT);
    sqz += <f64>load<f32>(q + (<usize>k << 2)) * zk;
  }
  const lseT = m * invT + Math.log(sT);
  // -Σ h log p = (1-w)·lse - hard·z_label - even·Σz  (Σ h = 1 - w);  -Σ soft log p^T = lse_T - Σ soft·z / T  (Σ soft = 1)
  const loss = (1 - w) * lse - hard * <f64>load<f32>(z + (<usize>label << 2)) - even * sz + w * T * T * (lseT - sqz * invT);
  if (d) {
    for (let k = 0; k < K; k++) {
      const zk = <f64>load<f32>(z + (<usize>k << 2));
      const p = Math.exp(zk - lse), pT = Math.exp(zk * invT - lseT);
      const h = (k == label ? hard : 0) + even;
      store<f32>(d + (<usize>k << 2), <f32>(((1 - w) * p - h + w * T * (pT - <f64>load<f32>(q + (<usize>k << 2)))) * invN));
    }
  }
  return loss;
}
