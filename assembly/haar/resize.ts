// Downscaling a grey image exactly as OpenCV 4.6's cascade detector does: FeatureEvaluator::setImage shrinks the
// IMAGE for every scale (and scans a fixed-size window), with cv::resize(INTER_LINEAR_EXACT) — checked against
// OpenCV 4.6 (python3-opencv): the plain INTER_LINEAR fixed-point path (11-bit coefficients) differs by one grey
// level here and there and moves detections. This is the bit-exact path (resize_bitExact, interpolationLinear<uchar>)
// for 8-bit grey: coefficients in 8-bit fixed point rounded from f64, rows u8·(256 − c) + u8·c (8 fractional
// bits), columns combined to 16 fractional bits and rounded: (r0·(256 − c) + r1·c + 2^15) >> 16.
// Source pixels left of / above the first centre repeat the edge, as do those past the last.

// scratch: 28·dw bytes: 8·dw (offset, coefficient a column), 4·dw·2 (two cached rows), GROUP_BYTES per four
// columns (the SIMD row table, groupTable).
export function resizeLinearExact(src: usize, sw: i32, sh: i32, dst: usize, dw: i32, dh: i32, scratch: usize): void {
  if (dw * 2 == sw && dh * 2 == sh) {
    resizeHalf(src, sw, dst, dw, dh);
    return;
  }
  const xt = scratch;
  let row0 = xt + (<usize>dw << 3);
  let row1 = row0 + (<usize>dw << 2);
  const gt = row1 + (<usize>dw << 2);
  const scx = 1.0 / (<f64>dw / <f64>sw);
  const scy = 1.0 / (<f64>dh / <f64>sh);
  let xmin = 0, xmax = dw;
  for (let dx = 0; dx < dw; dx++) {
    const f = scx * (<f64>dx + 0.5) - 0.5;
    const i = <i32>Math.floor(f);
    let o = 0, c = 0;
    if (i >= 0 && sw > 1) {
      if (i < sw - 1) {
        o = i;
        c = <i32>nearest<f64>((f - <f64>i) * 256.0);
      } else {
        o = sw - 1;
        if (dx < xmax) xmax = dx;
      }
    } else {
      xmin = dx + 1;
    }
    store<i32>(xt + (<usize>dx << 3), o);
    store<i32>(xt + (<usize>dx << 3), c, 4);
  }
  groupTable(xt, gt, xmin, xmax);
  let have0 = -1, have1 = -1;
  for (let dy = 0; dy < dh; dy++) {
    const f = scy * (<f64>dy + 0.5) - 0.5;
    const i = <i32>Math.floor(f);
    let r0 = 0, r1 = 0, c = 0;
    if (i >= 0 && sh > 1) {
      if (i < sh - 1) {
        r0 = i;
        r1 = i + 1;
        c = <i32>nearest<f64>((f - <f64>i) * 256.0);
      } else {
        r0 = r1 = sh - 1;
      }
    }
    if (r0 != have0) {
      if (r0 == have1) {
        const t = row0; row0 = row1; row1 = t;
        have0 = r0; have1 = -1;
      } else {
        hrowExact(src + <usize>r0 * <usize>sw, sw, xt, gt, row0, dw, xmin, xmax);
        have0 = r0;
      }
    }
    if (r1 != have1) {
      hrowExact(src + <usize>r1 * <usize>sw, sw, xt, gt, row1, dw, xmin, xmax);
      have1 = r1;
    }
    vrowExact(row0, row1, 256 - c, c, dst + <usize>dy * <usize>dw, dw);
  }
}

// resizeLinearExact's scratch per destination column: 8 + 8 + GROUP_BYTES / 4 (src/detect/detector.ts allocates it)
const GROUP_BYTES: usize = 48;

// The SIMD row table: per four columns from xmin (while all four lie below xmax), a swizzle mask that picks each
// column's two source pixels as i16 (p0, p1) out of 16 bytes loaded at the first column's offset o0, the i16
// weights (256 − c, c), and o0 — or −1 where the four columns' pixels span more than 16 bytes (shrinking by
// more than about ×4.6): those take the scalar loop.
function groupTable(xt: usize, gt: usize, xmin: i32, xmax: i32): void {
  for (let dx = xmin; dx + 4 <= xmax; dx += 4) {
    const g = gt + (<usize>((dx - xmin) >> 2)) * GROUP_BYTES;
    const o0 = load<i32>(xt + (<usize>dx << 3));
    let ok = true;
    for (let k = 0; k < 4; k++) {
      const t = xt + (<usize>(dx + k) << 3);
      const rel = load<i32>(t) - o0;
      const c = load<i32>(t, 4);
      if (rel + 1 > 15) ok = false;
      // bytes 4k..4k+3: p0 low byte, zero, p1 low byte, zero (an index ≥ 16 gives 0)
      store<u8>(g + <usize>(4 * k), <u8>rel);
      store<u8>(g + <usize>(4 * k + 1), 0x80);
      store<u8>(g + <usize>(4 * k + 2), <u8>(rel + 1));
      store<u8>(g + <usize>(4 * k + 3), 0x80);
      store<i16>(g + 16 + <usize>(4 * k), <i16>(256 - c));
      store<i16>(g + 18 + <usize>(4 * k), <i16>c);
    }
    store<i32>(g, ok ? o0 : -1, 32);
  }
}

// One source row filtered horizontally: u8·(256 − c) + u8·c per destination column (8 fractional bits), the
// edges repeated. Four columns at a time where the row table allows: their source pixels swizzled out of one
// 16-byte load (which may read up to 15 bytes past the row: inside the arena), then one i32x4.dot_i16x8_s.
function hrowExact(s: usize, sw: i32, xt: usize, gt: usize, out: usize, dw: i32, xmin: i32, xmax: i32): void {
  const first = <i32>load<u8>(s) << 8, last = <i32>load<u8>(s + <usize>(sw - 1)) << 8;
  let dx = 0;
  for (; dx < xmin; dx++) store<i32>(out + (<usize>dx << 2), first);
  for (; dx + 4 <= xmax; dx += 4) {
    const g = gt + (<usize>((dx - xmin) >> 2)) * GROUP_BYTES;
    const o0 = load<i32>(g, 32);
    if (o0 >= 0) {
      const pairs = i8x16.swizzle(v128.load(s + <usize>o0), v128.load(g));
      v128.store(out + (<usize>dx << 2), i32x4.dot_i16x8_s(pairs, v128.load(g, 16)));
    } else {
      for (let k = 0; k < 4; k++) hcol(s, xt, out, dx + k);
    }
  }
  for (; dx < xmax; dx++) hcol(s, xt, out, dx);
  for (; dx < dw; dx++) store<i32>(out + (<usize>dx << 2), last);
}

// @ts-ignore: decorator
@inline function hcol(s: usize, xt: usize, out: usize, dx: i32): void {
  const t = xt + (<usize>dx << 3);
  const o = s + <usize>load<i32>(t);
  const c = load<i32>(t, 4);
  store<i32>(out + (<usize>dx << 2), <i32>load<u8>(o) * (256 - c) + <i32>load<u8>(o + 1) * c);
}

function vrowExact(r0: usize, r1: usize, c0: i32, c1: i32, d: usize, dw: i32): void {
  const v0 = i32x4.splat(c0), v1 = i32x4.splat(c1), half = i32x4.splat(1 << 15);
  let x = 0;
  for (; x + 8 <= dw; x += 8) {
    const o = <usize>x << 2;
    const lo = i32x4.shr_u(i32x4.add(i32x4.add(i32x4.mul(v128.load(r0 + o), v0), i32x4.mul(v128.load(r1 + o), v1)), half), 16);
    const hi = i32x4.shr_u(i32x4.add(i32x4.add(i32x4.mul(v128.load(r0 + o, 16), v0), i32x4.mul(v128.load(r1 + o, 16), v1)), half), 16);
    const w = i16x8.narrow_i32x4_s(lo, hi);
    v128.store64_lane(d + <usize>x, i8x16.narrow_i16x8_u(w, w), 0);
  }
  for (; x < dw; x++) {
    const o = <usize>x << 2;
    store<u8>(d + <usize>x, <u8>((load<i32>(r0 + o) * c0 + load<i32>(r1 + o) * c1 + (1 << 15)) >> 16));
  }
}

// OpenCV's resizeAreaFast for an exact 2× reduction: the rounded mean of each 2×2 block.
export function resizeHalf(src: usize, sw: i32, dst: usize, dw: i32, dh: i32): void {
  for (let dy = 0; dy < dh; dy++) {
    const s0 = src + <usize>(dy * 2) * <usize>sw;
    const s1 = s0 + <usize>sw;
    const d = dst + <usize>dy * <usize>dw;
    for (let dx = 0; dx < dw; dx++) {
      const sx = <usize>(dx * 2);
      const v = <i32>load<u8>(s0 + sx) + <i32>load<u8>(s0 + sx + 1) + <i32>load<u8>(s1 + sx) + <i32>load<u8>(s1 + sx + 1);
      store<u8>(d + <usize>dx, <u8>((v + 2) >> 2));
    }
  }
}
