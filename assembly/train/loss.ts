// Softmax cross-entropy with label smoothing and optional per-row soft targets, mean over the batch, and its gradient.
//   logits, dLogits: [N, K] f32;  labels: [N] i32 class indices in 0..K-1 (checked by the TS wrapper)
//   soft: [N, K] f32 distributions (FER+ votes, a teacher's softmax), or 0 for none; a row of zeros means "no soft
//   target for this face": it trains on its label alone (w = 0 for that row)
// Target t = (1 - w)·((1 - ε)·onehot(label) + ε/K) + w·soft (ε: Keras's and PyTorch's label_smoothing; w: the soft
// weight). One formula for both, so with w = 0 (or no soft rows) every product below is by exactly 1 or 0 and the
// loss and gradient are bit for bit those of plain label smoothing. With p = softmax(z), Σ t = 1:
//   loss_n = -Σ_k t_k · log p_k = lse - (1-w)(1-ε)·z_label - (1-w)(ε/K)·Σ_k z_k - w·Σ_k soft_k z_k
//   returns mean_n loss_n;  dLogits[n,k] = (p_k - t_k) / N   (gradient of the mean; skipped when dLogits = 0)
// In f64 throughout (K is small: 7 classes), max-subtracted so exp never overflows.
export function softmaxCrossEntropy(logits: usize, labels: usize, N: i32, K: i32, smoothing: f64, soft: usize, softWeight: f64, dLogits: usize): f64 {
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
