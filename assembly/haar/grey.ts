// RGB(A) to grey as OpenCV 4.6's cvtColor(RGB2GRAY / RGBA2GRAY) computes it for 8-bit data: fixed point with
// 15 fractional bits, Y = (9798·R + 19235·G + 3735·B + 2^14) >> 15. (The 14-bit variant, 4899/9617/1868, is
// the older one and differs by one grey level on about 1 pixel in 5000, which moves cascade detections.)
// ch: bytes a pixel (3 or 4), channels in R, G, B order; alpha ignored.
// RGBA runs sixteen pixels at a time (each pixel one i32 lane: R, G, B its low three bytes), the same integer
// arithmetic; the rest, and RGB, one pixel at a time.
export function toGrey(src: usize, n: i32, ch: i32, dst: usize): void {
  let s = src;
  const step = <usize>ch;
  let i = 0;
  if (ch == 4) {
    const byte = i32x4.splat(0xff), cr = i32x4.splat(9798), cg = i32x4.splat(19235), cb = i32x4.splat(3735), half = i32x4.splat(16384);
    for (; i + 16 <= n; i += 16) {
      const y0 = grey4(v128.load(s), byte, cr, cg, cb, half);
      const y1 = grey4(v128.load(s, 16), byte, cr, cg, cb, half);
      const y2 = grey4(v128.load(s, 32), byte, cr, cg, cb, half);
      const y3 = grey4(v128.load(s, 48), byte, cr, cg, cb, half);
      // values are 0..255: narrowing saturates nothing
      v128.store(dst + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(y0, y1), i16x8.narrow_i32x4_s(y2, y3)));
      s += 64;
    }
  }
  for (; i < n; i++) {
    const y = (9798 * <i32>load<u8>(s) + 19235 * <i32>load<u8>(s, 1) + 3735 * <i32>load<u8>(s, 2) + 16384) >> 15;
    store<u8>(dst + <usize>i, <u8>y);
    s += step;
  }
}

// Four RGBA pixels (one per i32 lane) to grey, in i32 lanes.
// @ts-ignore: decorator
@inline function grey4(p: v128, byte: v128, cr: v128, cg: v128, cb: v128, half: v128): v128 {
  const r = v128.and(p, byte), g = v128.and(i32x4.shr_u(p, 8), byte), b = v128.and(i32x4.shr_u(p, 16), byte);
  return i32x4.shr_u(i32x4.add(i32x4.add(i32x4.add(i32x4.mul(r, cr), i32x4.mul(g, cg)), i32x4.mul(b, cb)), half), 15);
}
