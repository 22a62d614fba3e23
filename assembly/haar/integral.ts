// Integral images of an 8-bit grey image, laid out as OpenCV's cv::integral(sum, sqsum[, tilted], CV_32S, CV_32S):
// (h + 1) rows of `stride` i32, row 0 and column 0 zero, entry (x, y) the sum over pixels above and left of it.
// The squared sums are 32-bit as in OpenCV (cascadedetect.cpp computes sqsum as CV_32S): they wrap on big images,
// but every window sum taken from them is a difference of corners, exact modulo 2^32 and small enough to fit.

export function integral(src: usize, w: i32, h: i32, sum: usize, sqsum: usize, stride: i32): void {
  const rowBytes = <usize>stride << 2;
  memory.fill(sum, 0, <usize>(w + 1) << 2);
  memory.fill(sqsum, 0, <usize>(w + 1) << 2);
  const zero = i32x4.splat(0);
  for (let y = 0; y < h; y++) {
    const s = src + <usize>y * <usize>w;
    const up = sum + <usize>y * rowBytes, upq = sqsum + <usize>y * rowBytes;
    const row = up + rowBytes, rowq = upq + rowBytes;
    store<i32>(row, 0);
    store<i32>(rowq, 0);
    // Four pixels at a time: their running sums within the row (a prefix sum over the lanes in two shifted
    // adds, plus the sum so far in every lane), plus the row above.
    let carry = zero, carryq = zero;
    let x = 0;
    for (; x + 4 <= w; x += 4) {
      const p = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(s + <usize>x)));
      let a = i32x4.add(p, v128.shuffle<i32>(zero, p, 0, 4, 5, 6));
      a = i32x4.add(i32x4.add(a, v128.shuffle<i32>(zero, a, 0, 0, 4, 5)), carry);
      const pq = i32x4.mul(p, p);
      let aq = i32x4.add(pq, v128.shuffle<i32>(zero, pq, 0, 4, 5, 6));
      aq = i32x4.add(i32x4.add(aq, v128.shuffle<i32>(zero, aq, 0, 0, 4, 5)), carryq);
      carry = v128.shuffle<i32>(a, a, 3, 3, 3, 3);
      carryq = v128.shuffle<i32>(aq, aq, 3, 3, 3, 3);
      const o = <usize>(x + 1) << 2;
      v128.store(row + o, i32x4.add(a, v128.load(up + o)));
      v128.store(rowq + o, i32x4.add(aq, v128.load(upq + o)));
    }
    let a = i32x4.extract_lane(carry, 0), aq = i32x4.extract_lane(carryq, 0);
    for (; x < w; x++) {
      const p = <i32>load<u8>(s + <usize>x);
      a += p;
      aq += p * p;
      const o = <usize>(x + 1) << 2;
      store<i32>(row + o, a + load<i32>(up + o));
      store<i32>(rowq + o, aq + load<i32>(upq + o));
    }
  }
}

// The 45°-rotated integral (OpenCV's `tilted` output): T(X, Y) = Σ I(x, y) over y < Y, |x − X + 1| ≤ Y − y − 1,
// i.e. the triangle whose apex is the pixel (X − 1, Y − 1), widening upwards, clipped to the image.
// With P(y, k) the sum of the first k pixels of row y (k clipped to [0, w]),
//   T(X, Y) = Σ_{y<Y} P(y, X + Y − 1 − y) − P(y, X − Y + y),
// two running sums along diagonals: A[c] = Σ_{y<Y} P(y, c − y) for c = X + Y − 1 and B[d] = Σ_{y<Y} P(y, d + y)
// for d = X − Y. This needs no values outside the image, unlike the usual 4-term recurrence.
// scratch: 4·(w + 1) + 4·(w + h + 1) + 4·(w + h + 1) bytes.
export function tiltedIntegral(src: usize, w: i32, h: i32, tilted: usize, stride: i32, scratch: usize): void {
  const rowBytes = <usize>stride << 2;
  const n = w + h + 1;
  const P = scratch;
  const A = P + (<usize>(w + 1) << 2);
  const B = A + (<usize>n << 2); // B[d + h] for d in [-h, w]
  memory.fill(A, 0, <usize>n << 3);
  memory.fill(tilted, 0, <usize>(w + 1) << 2);
  for (let Y = 1; Y <= h; Y++) {
    const y = Y - 1;
    const s = src + <usize>y * <usize>w;
    let a = 0;
    store<i32>(P, 0);
    for (let x = 0; x < w; x++) {
      a += <i32>load<u8>(s + <usize>x);
      store<i32>(P + (<usize>(x + 1) << 2), a);
    }
    // Row y adds P(y, c − y) to every A[c] and P(y, d + y) to every B[d].
    for (let c = 0; c < n; c++) {
      const k = clampK(c - y, w);
      store<i32>(A + (<usize>c << 2), load<i32>(A + (<usize>c << 2)) + load<i32>(P + (<usize>k << 2)));
    }
    for (let d = -h; d <= w; d++) {
      const k = clampK(d + y, w);
      const p = B + (<usize>(d + h) << 2);
      store<i32>(p, load<i32>(p) + load<i32>(P + (<usize>k << 2)));
    }
    const row = tilted + <usize>Y * rowBytes;
    for (let X = 0; X <= w; X++) {
      const t = load<i32>(A + (<usize>(X + Y - 1) << 2)) - load<i32>(B + (<usize>(X - Y + h) << 2));
      store<i32>(row + (<usize>X << 2), t);
    }
  }
}

// @ts-ignore: decorator
@inline function clampK(k: i32, w: i32): i32 {
  return k < 0 ? 0 : k > w ? w : k;
}
