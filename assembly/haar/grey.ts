// RGB(A) to grey as OpenCV 4.6's cvtColor(RGB2GRAY / RGBA2GRAY) computes it for 8-bit data: fixed point with
// 15 fractional bits, Y = (9798·R + 19235·G + 3735·B + 2^14) >> 15. (The 14-bit variant, 4899/9617/1868, is
// the older one and differs by one grey level on about 1 pixel in 5000, which moves cascade detections.)
// ch: bytes a pixel (3 or 4), channels in R, G, B order; alpha ignored.
export function toGrey(src: usize, n: i32, ch: i32, dst: usize): void {
  let s = src;
  const step = <usize>ch;
  for (let i = 0; i < n; i++) {
    const y = (9798 * <i32>load<u8>(s) + 19235 * <i32>load<u8>(s, 1) + 3735 * <i32>load<u8>(s, 2) + 16384) >> 15;
    store<u8>(dst + <usize>i, <u8>y);
    s += step;
  }
}
