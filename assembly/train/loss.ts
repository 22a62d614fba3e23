// Softmax cross-entropy with label smoothing, mean over the batch, and its gradient.
//   logits, dLogits: [N, K] f32;  labels: [N] i32 class indices in 0..K-1 (checked by the TS wrapper)
// Target t = (1 - ε)·onehot(label) + ε/K (Keras's and PyTorch's label_smoothing = ε). With p = softmax(z):
//   loss_n = -Σ_k t_k · log p_k = lse - (1 - ε)·z_label - (ε/K)·Σ_k z_k,   lse = log Σ_k exp(z_k)
//   returns mean_n loss_n;  dLogits[n,k] = (p_k - t_k) / N   (gradient of the mean; skipped when dLogits = 0)
// In f64 throughout (K is small: 7 classes), max-subtracted so exp never overflows.
export function softmaxCrossEntropy(logits: usize, labels: usize, N: i32, K: i32, smoothing: f64, dLogits: usize): f64 {
  const off = smoothing / <f64>K;
  const invN = 1.0 / <f64>N;
  let total: f64 = 0;
  for (let n = 0; n < N; n++) {
    const z = logits + (<usize>(n * K) << 2);
    const label = load<i32>(labels + (<usize>n << 2));
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = max(m, <f64>load<f32>(z + (<usize>k << 2)));
    let s: f64 = 0, sz: f64 = 0;
    for (let k = 0; k < K; k++) {
      const zk = <f64>load<f32>(z + (<usize>k << 2));
      s += Math.exp(zk - m);
      sz += zk;
    }
    const lse = m + Math.log(s);
    total += lse - (1 - smoothing) * <f64>load<f32>(z + (<usize>label << 2)) - off * sz;
    if (dLogits) {
      const d = dLogits + (<usize>(n * K) << 2);
      for (let k = 0; k < K; k++) {
        const p = Math.exp(<f64>load<f32>(z + (<usize>k << 2)) - lse);
        const t = (k == label ? 1 - smoothing : 0) + off;
        store<f32>(d + (<usize>k << 2), <f32>((p - t) * invN));
      }
    }
  }
  return total * invN;
}
