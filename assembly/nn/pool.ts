// Spatial kernels that move or reduce pixels: zero padding, windowed pooling, global pooling.

// out [H+top+bottom, W+left+right, C] = in [H, W, C] framed by zeros.
export function zeroPad(inp: usize, H: i32, W: i32, C: i32, top: i32, bottom: i32, left: i32, right: i32, out: usize): void {
  const Wo = W + left + right;
  const px = <usize>C << 2;
  const outRow = <usize>Wo * px, inRow = <usize>W * px;
  memory.fill(out, 0, <usize>top * outRow);
  let o = out + <usize>top * outRow;
  for (let y = 0; y < H; y++) {
    memory.fill(o, 0, <usize>left * px);
    memory.copy(o + <usize>left * px, inp + <usize>y * inRow, inRow);
    memory.fill(o + <usize>left * px + inRow, 0, <usize>right * px);
    o += outRow;
  }
  memory.fill(o, 0, <usize>bottom * outRow);
}

// Windowed pooling, NHWC. Window kh×kw, strides sh×sw, the window of output (oy, ox) starting at input
// (oy·sh - padT, ox·sw - padL); taps outside the input are skipped.
//   mode bit 0: 1 = max, 0 = average.
//   mode bit 1 (average only): divide by the whole window kh·kw, i.e. the outside taps are zeros that count
//     (a ZeroPadding2D fused into the AveragePooling2D after it); otherwise divide by the taps inside
//     (TF's rule for padding "same"; with "valid" and no pad every window is whole anyway).
//   in [H, W, C] → out [Ho, Wo, C]
export function pool2d(inp: usize, H: i32, W: i32, C: i32, kh: i32, kw: i32, sh: i32, sw: i32,
                       padT: i32, padL: i32, Ho: i32, Wo: i32, out: usize, mode: i32): void {
  const px = <usize>C << 2;
  const row = <usize>W * px;
  const C4 = C & ~3;
  const isMax = mode & 1;
  const whole = f32x4.splat(<f32>0.25);
  let o = out;
  for (let oy = 0; oy < Ho; oy++) {
    const y0 = max(0, oy * sh - padT), y1 = min(H, oy * sh - padT + kh);
    for (let ox = 0; ox < Wo; ox++) {
      const x0 = max(0, ox * sw - padL), x1 = min(W, ox * sw - padL + kw);
      if (kh == 2 && kw == 2 && y1 - y0 == 2 && x1 - x0 == 2) {
        // the common case, a whole 2×2 window (an average, or YuNet's and many CNNs' max): 4 loads a vector
        const p = inp + <usize>(y0 * W + x0) * px;
        let c = 0;
        if (isMax) {
          for (; c < C4; c += 4) {
            const k = <usize>c << 2;
            v128.store(o + k, f32x4.max(f32x4.max(v128.load(p + k), v128.load(p + px + k)), f32x4.max(v128.load(p + row + k), v128.load(p + row + px + k))));
          }
          for (; c < C; c++) {
            const k = <usize>c << 2;
            store<f32>(o + k, max(max(load<f32>(p + k), load<f32>(p + px + k)), max(load<f32>(p + row + k), load<f32>(p + row + px + k))));
          }
        } else {
          for (; c < C4; c += 4) {
            const k = <usize>c << 2;
            const s = f32x4.add(f32x4.add(v128.load(p + k), v128.load(p + px + k)), f32x4.add(v128.load(p + row + k), v128.load(p + row + px + k)));
            v128.store(o + k, f32x4.mul(s, whole));
          }
          for (; c < C; c++) {
            const k = <usize>c << 2;
            store<f32>(o + k, (load<f32>(p + k) + load<f32>(p + px + k) + load<f32>(p + row + k) + load<f32>(p + row + px + k)) * 0.25);
          }
        }
        o += px;
        continue;
      }
      const count = <f32>(mode & 2 ? kh * kw : (y1 - y0) * (x1 - x0));
      let c = 0;
      for (; c < C4; c += 4) {
        const k = <usize>c << 2;
        let acc = isMax ? f32x4.splat(-Infinity) : f32x4.splat(0);
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const v = v128.load(inp + <usize>(y * W + x) * px + k);
            acc = isMax ? f32x4.max(acc, v) : f32x4.add(acc, v);
          }
        }
        if (!isMax) acc = f32x4.div(acc, f32x4.splat(count));
        v128.store(o + k, acc);
      }
      for (; c < C; c++) {
        const k = <usize>c << 2;
        let acc: f32 = isMax ? -Infinity : 0;
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const v = load<f32>(inp + <usize>(y * W + x) * px + k);
            acc = isMax ? max(acc, v) : acc + v;
          }
        }
        store<f32>(o + k, isMax ? acc : acc / count);
      }
      o += px;
    }
  }
}

// Global pooling over all P = H·W pixels: in [P, C] → out [C]. mode 0 = average, 1 = max.
export function globalPool(inp: usize, P: i32, C: i32, out: usize, mode: i32): void {
  const px = <usize>C << 2;
  const C4 = C & ~3;
  let c = 0;
  for (; c < C4; c += 4) {
    const k = <usize>c << 2;
    let acc = mode ? f32x4.splat(-Infinity) : f32x4.splat(0);
    for (let p = 0; p < P; p++) {
      const v = v128.load(inp + <usize>p * px + k);
      acc = mode ? f32x4.max(acc, v) : f32x4.add(acc, v);
    }
    if (!mode) acc = f32x4.div(acc, f32x4.splat(<f32>P));
    v128.store(out + k, acc);
  }
  for (; c < C; c++) {
    const k = <usize>c << 2;
    let acc: f32 = mode ? -Infinity : 0;
    for (let p = 0; p < P; p++) {
      const v = load<f32>(inp + <usize>p * px + k);
      acc = mode ? max(acc, v) : acc + v;
    }
    store<f32>(out + k, mode ? acc : acc / <f32>P);
  }
}
