// Element-wise activations (Op.Activation) and PReLU. n counts floats; vectors of 4, then the tail as one
// partial vector through the same code, so every element gets the same arithmetic. x == out is allowed.
import { Act } from "../../src/abi/nn";
import { storeLanes } from "./simd";
import { expv, loadLanes, log1pv, normalCdfv, sigmoidv, tanhv } from "./math";

// One vector of kind; p0..p2 are params[0..2] splatted. kind is a constant after inlining, so each loop
// below keeps only its own case.
// @ts-ignore: decorator
@inline function act(x: v128, kind: i32, p0: v128, p1: v128, p2: v128): v128 {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  switch (kind) {
    case Act.Relu: {
      // Keras ReLU: x ≥ max → max; x ≥ threshold → x; else slope·(x − threshold)
      const r = v128.bitselect(x, f32x4.mul(p1, f32x4.sub(x, p2)), f32x4.ge(x, p2));
      return v128.bitselect(p0, r, f32x4.ge(x, p0));
    }
    case Act.Elu: {
      const neg = f32x4.mul(p0, f32x4.sub(expv(x), one));
      return v128.bitselect(x, neg, f32x4.gt(x, zero));
    }
    case Act.Selu: {
      const neg = f32x4.mul(p0, f32x4.sub(expv(x), one));
      return f32x4.mul(p1, v128.bitselect(x, neg, f32x4.gt(x, zero)));
    }
    case Act.Sigmoid: return sigmoidv(x);
    case Act.HardSigmoid: return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(p0, x), p1), zero), one);
    case Act.Tanh: return tanhv(x);
    case Act.Swish: return f32x4.mul(x, sigmoidv(x));
    case Act.HardSwish: return f32x4.mul(x, f32x4.min(f32x4.max(f32x4.add(f32x4.mul(p0, x), p1), zero), one));
    case Act.Softplus: {
      // max(x, 0) + ln(1 + e^−|x|): no overflow, and exact-ish for large |x|
      return f32x4.add(f32x4.max(x, zero), log1pv(expv(f32x4.neg(f32x4.abs(x)))));
    }
    case Act.Gelu: return f32x4.mul(x, normalCdfv(x));
    case Act.GeluTanh: {
      // ½(1 + tanh u) = sigmoid(2u): no cancellation for negative x
      const x3 = f32x4.mul(f32x4.mul(x, x), x);
      const u = f32x4.mul(f32x4.add(x, f32x4.mul(x3, f32x4.splat(0.044715))), f32x4.splat(1.5957691216057308)); // 2·√(2/π)
      return f32x4.mul(x, sigmoidv(u));
    }
    case Act.Softsign: return f32x4.div(x, f32x4.add(one, f32x4.abs(x)));
    case Act.Mish: {
      // tanh(ln(1 + eˣ)) = s/(s + 2) with s = eˣ(eˣ + 2); for x > 20 it is 1 in float32, so clamp before s overflows
      const e = expv(f32x4.min(x, f32x4.splat(20)));
      const s = f32x4.mul(e, f32x4.add(e, f32x4.splat(2)));
      return f32x4.mul(x, f32x4.div(s, f32x4.add(s, f32x4.splat(2))));
    }
    default: return x;
  }
}

// @ts-ignore: decorator
@inline function actLoop(x: usize, n: i32, out: usize, kind: i32, params: usize): void {
  const p0 = f32x4.splat(load<f32>(params)), p1 = f32x4.splat(load<f32>(params, 4)), p2 = f32x4.splat(load<f32>(params, 8));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    v128.store(out + k, act(v128.load(x + k), kind, p0, p1, p2));
  }
  if (i < n) {
    const k = <usize>i << 2;
    storeLanes(out + k, act(loadLanes(x + k, n - i), kind, p0, p1, p2), n - i);
  }
}

// out = act(x) for kind an Act and params f32[4] as documented there (src/abi/nn.ts).
export function activation(x: usize, n: i32, out: usize, kind: i32, params: usize): void {
  switch (kind) {
    case Act.Relu: actLoop(x, n, out, Act.Relu, params); break;
    case Act.Elu: actLoop(x, n, out, Act.Elu, params); break;
    case Act.Selu: actLoop(x, n, out, Act.Selu, params); break;
    case Act.Sigmoid: actLoop(x, n, out, Act.Sigmoid, params); break;
    case Act.HardSigmoid: actLoop(x, n, out, Act.HardSigmoid, params); break;
    case Act.Tanh: actLoop(x, n, out, Act.Tanh, params); break;
    case Act.Swish: actLoop(x, n, out, Act.Swish, params); break;
    case Act.HardSwish: actLoop(x, n, out, Act.HardSwish, params); break;
    case Act.Softplus: actLoop(x, n, out, Act.Softplus, params); break;
    case Act.Gelu: actLoop(x, n, out, Act.Gelu, params); break;
    case Act.GeluTanh: actLoop(x, n, out, Act.GeluTanh, params); break;
    case Act.Softsign: actLoop(x, n, out, Act.Softsign, params); break;
    case Act.Mish: actLoop(x, n, out, Act.Mish, params); break;
    default: if (x != out) memory.copy(out, x, <usize>n << 2);
  }
}

// PReLU with a slope per channel: out[p, c] = x ≥ 0 ? x : alpha[c]·x. x, out [P, C]; x == out is allowed.
export function prelu(x: usize, P: i32, C: i32, alpha: usize, out: usize): void {
  const zero = f32x4.splat(0);
  if (C == 1) {
    // one slope: the array is flat
    const a = f32x4.splat(load<f32>(alpha));
    const n = P;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const k = <usize>i << 2;
      const v = v128.load(x + k);
      v128.store(out + k, v128.bitselect(v, f32x4.mul(a, v), f32x4.ge(v, zero)));
    }
    for (; i < n; i++) {
      const k = <usize>i << 2;
      const v = load<f32>(x + k);
      store<f32>(out + k, v >= 0 ? v : load<f32>(alpha) * v);
    }
    return;
  }
  const C4 = C & ~3;
  const px = <usize>C << 2;
  for (let p = 0; p < P; p++) {
    const xi = x + <usize>p * px, oi = out + <usize>p * px;
    let c = 0;
    for (; c < C4; c += 4) {
      const k = <usize>c << 2;
      const v = v128.load(xi + k);
      v128.store(oi + k, v128.bitselect(v, f32x4.mul(v128.load(alpha + k), v), f32x4.ge(v, zero)));
    }
    for (; c < C; c++) {
      const k = <usize>c << 2;
      const v = load<f32>(xi + k);
      store<f32>(oi + k, v >= 0 ? v : load<f32>(alpha + k) * v);
    }
  }
}
