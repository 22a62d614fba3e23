// Kernels that only move floats: block copy (concatenation), 2-D crop, 4-D transpose. Counts in floats.

// dst[o·dstInner + dstOffset + i] = src[o·srcInner + i] for o < outer, i < srcInner: one input of a
// concatenation along any axis (outer = the product of the dims before it).
export function blockCopy(src: usize, outer: i32, srcInner: i32, dst: usize, dstInner: i32, dstOffset: i32): void {
  const bytes = <usize>srcInner << 2;
  if (srcInner == dstInner) {
    memory.copy(dst + (<usize>dstOffset << 2), src, <usize>outer * bytes);
    return;
  }
  const dstStride = <usize>dstInner << 2;
  let s = src, d = dst + (<usize>dstOffset << 2);
  for (let o = 0; o < outer; o++) {
    memory.copy(d, s, bytes);
    s += bytes;
    d += dstStride;
  }
}

// out [Ho, Wo, C] = in [H, W, C] from row top, column left: out[y, x, c] = in[y + top, x + left, c].
export function crop2d(inp: usize, H: i32, W: i32, C: i32, top: i32, left: i32, Ho: i32, Wo: i32, out: usize): void {
  const px = <usize>C << 2;
  const inRow = <usize>W * px, outRow = <usize>Wo * px;
  let s = inp + <usize>top * inRow + <usize>left * px;
  if (outRow == inRow) {
    memory.copy(out, s, <usize>Ho * outRow);
    return;
  }
  let d = out;
  for (let y = 0; y < Ho; y++) {
    memory.copy(d, s, outRow);
    s += inRow;
    d += outRow;
  }
}

// out row-major over [n0, n1, n2, n3], element (i0, i1, i2, i3) from in[i0·s0 + i1·s1 + i2·s2 + i3·s3]
// (strides in floats). Contiguous runs (s3 = 1) are block copies, merged with the dims above them while
// those are contiguous too; the 2-D transpose inside (s2 = 1) goes by 4×4 register transposes.
export function transpose4(inp: usize, out: usize, n0: i32, n1: i32, n2: i32, n3: i32, s0: i32, s1: i32, s2: i32, s3: i32): void {
  if (n0 <= 0 || n1 <= 0 || n2 <= 0 || n3 <= 0) return;
  let o = out;
  if (s3 == 1) {
    // merge contiguous dims into one run
    let run = n3, m2 = n2, m1 = n1;
    if (s2 == n3) {
      run *= n2;
      m2 = 1;
      if (s1 == run) {
        run *= n1;
        m1 = 1;
      }
    }
    const bytes = <usize>run << 2;
    for (let i0 = 0; i0 < n0; i0++)
      for (let i1 = 0; i1 < m1; i1++)
        for (let i2 = 0; i2 < m2; i2++) {
          memory.copy(o, inp + (<usize>(i0 * s0 + i1 * s1 + i2 * s2) << 2), bytes);
          o += bytes;
        }
    return;
  }
  const row = <usize>n3 << 2;
  const st3 = <usize>s3 << 2;
  for (let i0 = 0; i0 < n0; i0++)
    for (let i1 = 0; i1 < n1; i1++) {
      const base = inp + (<usize>(i0 * s0 + i1 * s1) << 2);
      let i2 = 0;
      if (s2 == 1) {
        // 4 rows of out at a time: out[i2 + j, i3 + k] = in[i2 + j + (i3 + k)·s3], a 4×4 transpose
        for (; i2 + 4 <= n2; i2 += 4) {
          const ob = o + <usize>i2 * row;
          let i3 = 0;
          for (; i3 + 4 <= n3; i3 += 4) {
            const p = base + (<usize>i2 << 2) + <usize>i3 * st3;
            const r0 = v128.load(p), r1 = v128.load(p + st3), r2 = v128.load(p + 2 * st3), r3 = v128.load(p + 3 * st3);
            const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
            const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
            const q = ob + (<usize>i3 << 2);
            v128.store(q, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
            v128.store(q + row, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
            v128.store(q + 2 * row, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
            v128.store(q + 3 * row, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
          }
          for (; i3 < n3; i3++) {
            const p = base + (<usize>i2 << 2) + <usize>i3 * st3, q = ob + (<usize>i3 << 2);
            store<f32>(q, load<f32>(p));
            store<f32>(q + row, load<f32>(p, 4));
            store<f32>(q + 2 * row, load<f32>(p, 8));
            store<f32>(q + 3 * row, load<f32>(p, 12));
          }
        }
      }
      for (; i2 < n2; i2++) {
        const p = base + (<usize>(i2 * s2) << 2), q = o + <usize>i2 * row;
        for (let i3 = 0; i3 < n3; i3++) store<f32>(q + (<usize>i3 << 2), load<f32>(p + <usize>i3 * st3));
      }
      o += <usize>n2 * row;
    }
}
