// Element-wise kernels on flat arrays of n floats (any shape; batch-major NHWC in practice). Vectors of 4,
// then a scalar tail.

// Forward ReLU and the residual add are the inference kernels, re-exported from index.ts:
//   relu(x, n, y): y = max(x, 0);  add(a, b, n, out, relu): out = a + b, then max(·, 0) when relu != 0.

// ReLU backward: dx = dy where the forward's output y > 0, else 0. Pass either the forward's output or its
// input as y (y > 0 exactly where x > 0). At x = 0 the gradient is 0, as in TensorFlow and PyTorch.
// dx may be dy (in place).
export function reluBackward(y: usize, dy: usize, n: i32, dx: usize): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    v128.store(dx + k, v128.and(v128.load(dy + k), f32x4.gt(v128.load(y + k), z)));
  }
  for (; i < n; i++) {
    const k = <usize>i << 2;
    store<f32>(dx + k, load<f32>(y + k) > 0 ? load<f32>(dy + k) : 0);
  }
}

// dst += src. The residual add out = a + r has no kernel of its own backward: d(a) = d(r) = d(out), so
// the caller hands the same gradient buffer to both branches. Where one tensor feeds two layers (the
// residual r feeds the add and the next separable conv), its gradient is the sum of the two branches':
// either pass accumulate = 1 to the second backward kernel (pointwise and depthwise take it) or add the
// two buffers with addInto.
export function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    v128.store(dst + k, f32x4.add(v128.load(dst + k), v128.load(src + k)));
  }
  for (; i < n; i++) {
    const k = <usize>i << 2;
    store<f32>(dst + k, load<f32>(dst + k) + load<f32>(src + k));
  }
}
