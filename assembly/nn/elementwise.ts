import { relu4 } from "./simd";
// Element-wise kernels on flat arrays. n counts floats; vectors of 4, then a scalar tail.

// out = max(x, 0)
export function relu(x: usize, n: i32, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), relu4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), max<f32>(load<f32>(x + (<usize>i << 2)), 0));
}

// out = a + b, then max(·, 0) when relu != 0 (the residual join of ResEZAP: ReLU(x + r))
export function add(a: usize, b: usize, n: i32, out: usize, relu: i32): void {
  let i = 0;
  if (relu) {
    for (; i + 4 <= n; i += 4) {
      const k = <usize>i << 2;
      v128.store(out + k, relu4(f32x4.add(v128.load(a + k), v128.load(b + k))));
    }
    for (; i < n; i++) {
      const k = <usize>i << 2;
      store<f32>(out + k, max<f32>(load<f32>(a + k) + load<f32>(b + k), 0));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const k = <usize>i << 2;
      v128.store(out + k, f32x4.add(v128.load(a + k), v128.load(b + k)));
    }
    for (; i < n; i++) {
      const k = <usize>i << 2;
      store<f32>(out + k, load<f32>(a + k) + load<f32>(b + k));
    }
  }
}

// Per-channel affine map: out[p, c] = x[p, c] · scale[c] + shift[c]. Inference-mode batch norm with
// scale = gamma / sqrt(var + eps) and shift = beta - mean · scale, computed once at load.
//   x, out: [P, C]; scale, shift: [C]
export function affine(x: usize, P: i32, C: i32, scale: usize, shift: usize, out: usize): void {
  const C4 = C & ~3;
  const px = <usize>C << 2;
  for (let p = 0; p < P; p++) {
    const xi = x + <usize>p * px, oi = out + <usize>p * px;
    let c = 0;
    for (; c < C4; c += 4) {
      const k = <usize>c << 2;
      v128.store(oi + k, f32x4.add(f32x4.mul(v128.load(xi + k), v128.load(scale + k)), v128.load(shift + k)));
    }
    for (; c < C; c++) {
      const k = <usize>c << 2;
      store<f32>(oi + k, load<f32>(xi + k) * load<f32>(scale + k) + load<f32>(shift + k));
    }
  }
}

// Row-wise softmax: x, out [R, N]; max subtracted first so exp never overflows.
export function softmax(x: usize, R: i32, N: i32, out: usize): void {
  for (let r = 0; r < R; r++) {
    const xi = x + (<usize>r * <usize>N << 2), oi = out + (<usize>r * <usize>N << 2);
    let m = -Infinity;
    for (let i = 0; i < N; i++) m = max(m, <f64>load<f32>(xi + (<usize>i << 2)));
    let s: f64 = 0;
    for (let i = 0; i < N; i++) {
      const e = Math.exp(<f64>load<f32>(xi + (<usize>i << 2)) - m);
      s += e;
      store<f32>(oi + (<usize>i << 2), <f32>e);
    }
    const inv = 1 / s;
    for (let i = 0; i < N; i++) store<f32>(oi + (<usize>i << 2), <f32>(<f64>load<f32>(oi + (<usize>i << 2)) * inv));
  }
}
