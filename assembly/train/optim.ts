// Optimiser steps on flat parameter arrays: p, g and the state arrays are [n] f32, updated in place
// (g is only read). One call per parameter group; the state arrays start zeroed.

// Adam (Kingma & Ba, Algorithm 1, in PyTorch's arithmetic), with bias correction; step = t, 1-based:
//   g' = g + wd·p                          when decoupled = 0 (L2 into the gradient: PyTorch Adam's weight_decay)
//   p  = p · (1 - lr·wd)                   when decoupled = 1 (AdamW, Loshchilov & Hutter; PyTorch AdamW)
//   m  = β1·m + (1-β1)·g'
//   v  = β2·v + (1-β2)·g'²
//   p -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
// (Keras's Adam puts eps inside the bias-corrected scale, eps·sqrt(1-β2^t): the same up to how eps counts;
// pass eps accordingly. Keras default eps 1e-7, PyTorch 1e-8.)
export function adamStep(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
                         weightDecay: f64, step: i32, decoupled: i32): void {
  const bc1 = 1 - Math.pow(beta1, <f64>step), bc2 = 1 - Math.pow(beta2, <f64>step);
  const stepSize = f32x4.splat(<f32>(lr / bc1));
  const invSqrtBc2 = f32x4.splat(<f32>(1 / Math.sqrt(bc2)));
  const b1 = f32x4.splat(<f32>beta1), c1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2), c2 = f32x4.splat(<f32>(1 - beta2));
  const ep = f32x4.splat(<f32>eps);
  // L2: g' = g + wd·p; decoupled: p·(1 - lr·wd) before the update, g' = g
  const l2 = f32x4.splat(decoupled ? 0 : <f32>weightDecay);
  const shrink = f32x4.splat(decoupled ? <f32>(1 - lr * weightDecay) : 1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    let pv = v128.load(p + k);
    const gv = f32x4.add(v128.load(g + k), f32x4.mul(l2, pv));
    pv = f32x4.mul(pv, shrink);
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + k)), f32x4.mul(c1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + k)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), invSqrtBc2), ep);
    v128.store(m + k, mv);
    v128.store(v + k, vv);
    v128.store(p + k, f32x4.sub(pv, f32x4.mul(stepSize, f32x4.div(mv, denom))));
  }
  for (; i < n; i++) {
    const k = <usize>i << 2;
    let pv = load<f32>(p + k);
    const gv = load<f32>(g + k) + f32x4.extract_lane(l2, 0) * pv;
    pv *= f32x4.extract_lane(shrink, 0);
    const mv = f32x4.extract_lane(b1, 0) * load<f32>(m + k) + f32x4.extract_lane(c1, 0) * gv;
    const vv = f32x4.extract_lane(b2, 0) * load<f32>(v + k) + f32x4.extract_lane(c2, 0) * (gv * gv);
    const denom = Mathf.sqrt(vv) * f32x4.extract_lane(invSqrtBc2, 0) + f32x4.extract_lane(ep, 0);
    store<f32>(m + k, mv);
    store<f32>(v + k, vv);
    store<f32>(p + k, pv - f32x4.extract_lane(stepSize, 0) * (mv / denom));
  }
}

// SGD with momentum μ and L2 weight decay, PyTorch's form (dampening 0):
//   g' = g + wd·p;  buf = μ·buf + g';  d = g' + μ·buf (nesterov = 1) or buf (nesterov = 0);  p -= lr·d
// With μ = 0 it is plain SGD and buf is not touched (may be 0). Keras's SGD keeps v = μ·v - lr·g instead
// of buf; for a constant learning rate the two give the same parameters.
export function sgdStep(p: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, weightDecay: f64, nesterov: i32): void {
  const lrv = f32x4.splat(<f32>lr), mu = f32x4.splat(<f32>momentum), wd = f32x4.splat(<f32>weightDecay);
  const useBuf = momentum != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    const pv = v128.load(p + k);
    let d = f32x4.add(v128.load(g + k), f32x4.mul(wd, pv));
    if (useBuf) {
      const b = f32x4.add(f32x4.mul(mu, v128.load(buf + k)), d);
      v128.store(buf + k, b);
      d = nesterov ? f32x4.add(d, f32x4.mul(mu, b)) : b;
    }
    v128.store(p + k, f32x4.sub(pv, f32x4.mul(lrv, d)));
  }
  const lrs = <f32>lr, mus = <f32>momentum, wds = <f32>weightDecay;
  for (; i < n; i++) {
    const k = <usize>i << 2;
    const pv = load<f32>(p + k);
    let d = load<f32>(g + k) + wds * pv;
    if (useBuf) {
      const b = mus * load<f32>(buf + k) + d;
      store<f32>(buf + k, b);
      d = nesterov ? d + mus * b : b;
    }
    store<f32>(p + k, pv - lrs * d);
  }
}
