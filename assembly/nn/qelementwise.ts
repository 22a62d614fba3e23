import { requant4, narrow8, narrow16, storeBytes8, narrowU16x8, storeU16x8, loadLanes8 } from "./qsimd";

// Integer element-wise kernels on u8 tensors (u16 for the *_a16 ones; real = scale·(q − zero)): the
// residual add, the 2×2 average pool after zero padding, and the conversions from and to f32. Each rounds as src/reference/quantized.ts
// and src/quant/params.ts do (plain f32 mul and add, f32x4.nearest: ties to even), so they are bit-exact
// with those references in both builds. A tail of under 16 elements runs the same arithmetic in scalar
// f32 (the same IEEE operations, hence the same bytes).

// out = clamp(round(fround(fround((a − za)·ma) + fround((b − zb)·mb)) + zOut), qmin, qmax) over n bytes,
// ma = sa/sOut, mb = sb/sOut. qmin = zOut fuses a ReLU (ResEZAP's blocks end in ReLU(x + r)). out may be a
// or b (each 16 bytes are read before they are written).
export function add_u8(a: usize, za: i32, ma: f32, b: usize, zb: i32, mb: f32, n: i32, out: usize, zOut: i32, qmin: i32, qmax: i32): void {
  const zav = i16x8.splat(<i16>za), zbv = i16x8.splat(<i16>zb);
  const mav = f32x4.splat(ma), mbv = f32x4.splat(mb), zo = f32x4.splat(<f32>zOut);
  const lo = i8x16.splat(<i8>qmin), hi = i8x16.splat(<i8>qmax);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const va = v128.load(a + <usize>i), vb = v128.load(b + <usize>i);
    const al = i16x8.sub(i16x8.extend_low_i8x16_u(va), zav), ah = i16x8.sub(i16x8.extend_high_i8x16_u(va), zav);
    const bl = i16x8.sub(i16x8.extend_low_i8x16_u(vb), zbv), bh = i16x8.sub(i16x8.extend_high_i8x16_u(vb), zbv);
    const y0 = addLanes(i32x4.extend_low_i16x8_s(al), i32x4.extend_low_i16x8_s(bl), mav, mbv, zo);
    const y1 = addLanes(i32x4.extend_high_i16x8_s(al), i32x4.extend_high_i16x8_s(bl), mav, mbv, zo);
    const y2 = addLanes(i32x4.extend_low_i16x8_s(ah), i32x4.extend_low_i16x8_s(bh), mav, mbv, zo);
    const y3 = addLanes(i32x4.extend_high_i16x8_s(ah), i32x4.extend_high_i16x8_s(bh), mav, mbv, zo);
    v128.store(out + <usize>i, narrow16(y0, y1, y2, y3, lo, hi));
  }
  for (; i < n; i++) {
    const fa = <f32>(<i32>load<u8>(a + <usize>i) - za) * ma;
    const fb = <f32>(<i32>load<u8>(b + <usize>i) - zb) * mb;
    const s: f32 = fa + fb;
    store<u8>(out + <usize>i, clampByte(s + <f32>zOut, qmin, qmax));
  }
}

// @ts-ignore: decorator
@inline function addLanes(da: v128, db: v128, ma: v128, mb: v128, zo: v128): v128 {
  const s = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(da), ma), f32x4.mul(f32x4.convert_i32x4_s(db), mb));
  return i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(s, zo)));
}

// roundHalfEven(y) saturated to [lo, hi] as the vector chain does (NaN → 0 first).
// @ts-ignore: decorator
@inline function clampByte(y: f32, lo: i32, hi: i32): u8 {
  return <u8>clampQ(y, lo, hi);
}

// Average pool 2×2, stride 2, of [H, W, C] u8 (zero point zIn) zero-padded by padT rows above and padL
// columns left, into [Ho, Wo, C]: Keras's ZeroPadding2D then a valid AveragePooling2D (whole window, divided
// by 4 whatever the padding). sum = Σ (x − zIn) over the taps inside the image (exact);
// out = clamp(round(fround(fround(sum)·m) + zOut), 0, qmax), m = sIn/(4·sOut) as f32.
// 8 channels a step; reads up to 7 bytes past a pixel's last channel (leave 16 after the tensor), which
// only go to lanes that are not stored.
export function avgPool2x2_u8(inp: usize, H: i32, W: i32, C: i32, zIn: i32, padT: i32, padL: i32, Ho: i32, Wo: i32, m: f32, zOut: i32, qmax: i32, out: usize): void {
  avgPool2x2<u8>(inp, H, W, C, zIn, padT, padL, Ho, Wo, m, zOut, qmax, out);
}

// T = u8 or u16: the taps' (x − zIn) summed in i32 (exact either way), 8 channels a step.
// @ts-ignore: decorator
@inline function avgPool2x2<T>(inp: usize, H: i32, W: i32, C: i32, zIn: i32, padT: i32, padL: i32, Ho: i32, Wo: i32, m: f32, zOut: i32, qmax: i32, out: usize): void {
  if (C <= 0) return;
  const E = sizeof<T>();
  const zv = i16x8.splat(<i16>zIn);
  const mv = f32x4.splat(m), zo = f32x4.splat(<f32>zOut);
  const px = <usize>C * E;
  for (let oy = 0; oy < Ho; oy++) {
    const iy = 2 * oy - padT;
    const y0ok = iy >= 0 && iy < H, y1ok = iy + 1 >= 0 && iy + 1 < H;
    for (let ox = 0; ox < Wo; ox++) {
      const ix = 2 * ox - padL;
      const x0ok = ix >= 0 && ix < W, x1ok = ix + 1 >= 0 && ix + 1 < W;
      const o = out + (<usize>oy * <usize>Wo + <usize>ox) * px;
      for (let c = 0; c < C; c += 8) {
        let s0 = i32x4.splat(0), s1 = i32x4.splat(0);
        for (let ky = 0; ky < 2; ky++) {
          if (ky == 0 ? !y0ok : !y1ok) continue;
          const r = inp + <usize>(iy + ky) * <usize>W * px + <usize>c * E;
          if (x0ok) { const d = i16x8.sub(loadLanes8<T>(r + <usize>ix * px), zv); s0 = i32x4.add(s0, i32x4.extend_low_i16x8_s(d)); s1 = i32x4.add(s1, i32x4.extend_high_i16x8_s(d)); }
          if (x1ok) { const d = i16x8.sub(loadLanes8<T>(r + <usize>(ix + 1) * px), zv); s0 = i32x4.add(s0, i32x4.extend_low_i16x8_s(d)); s1 = i32x4.add(s1, i32x4.extend_high_i16x8_s(d)); }
        }
        const y0 = requant4(s0, mv, zo), y1 = requant4(s1, mv, zo), n = min(8, C - c);
        if (E == 1) storeBytes8(o + <usize>c, narrow8(y0, y1, i8x16.splat(0), i8x16.splat(<i8>qmax)), n);
        else storeU16x8(o + (<usize>c << 1), narrowU16x8(y0, y1, i16x8.splat(0), i16x8.splat(<i16>qmax)), n);
      }
    }
  }
}

// f32 → u8: out = clamp(round(fround(fround(x·inv) + zero)), 0, qmax), inv = 1/scale as f32 (NaN → 0).
export function quantize_u8(x: usize, n: i32, inv: f32, zero: i32, qmax: i32, out: usize): void {
  const iv = f32x4.splat(inv), zv = f32x4.splat(<f32>zero);
  const lo = i8x16.splat(0), hi = i8x16.splat(<i8>qmax);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const y0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(f32x4.mul(v128.load(p), iv), zv)));
    const y1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(f32x4.mul(v128.load(p, 16), iv), zv)));
    const y2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(f32x4.mul(v128.load(p, 32), iv), zv)));
    const y3 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.add(f32x4.mul(v128.load(p, 48), iv), zv)));
    v128.store(out + <usize>i, narrow16(y0, y1, y2, y3, lo, hi));
  }
  for (; i < n; i++) {
    const t: f32 = load<f32>(x + (<usize>i << 2)) * inv;
    store<u8>(out + <usize>i, clampByte(t + <f32>zero, 0, qmax));
  }
}

// u8 → f32: out = fround(scale·(q − zero)).
export function dequantize_u8(q: usize, n: i32, scale: f32, zero: i32, out: usize): void {
  const sv = f32x4.splat(scale), zv = i16x8.splat(<i16>zero);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(q + <usize>i);
    const l = i16x8.sub(i16x8.extend_low_i8x16_u(v), zv), h = i16x8.sub(i16x8.extend_high_i8x16_u(v), zv);
    const p = out + (<usize>i << 2);
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), sv));
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), sv), 16);
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), sv), 32);
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), sv), 48);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<i32>load<u8>(q + <usize>i) - zero) * scale);
}

// add_u8 on 16-bit activations (u16 in and out, every value and zero point ≤ 32767, so q − z fits an
// i16 lane): 8 values a step, the same arithmetic lane for lane.
export function add_a16(a: usize, za: i32, ma: f32, b: usize, zb: i32, mb: f32, n: i32, out: usize, zOut: i32, qmin: i32, qmax: i32): void {
  const zav = i16x8.splat(<i16>za), zbv = i16x8.splat(<i16>zb);
  const mav = f32x4.splat(ma), mbv = f32x4.splat(mb), zo = f32x4.splat(<f32>zOut);
  const lo = i16x8.splat(<i16>qmin), hi = i16x8.splat(<i16>qmax);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = <usize>i << 1;
    const da = i16x8.sub(v128.load(a + p), zav), db = i16x8.sub(v128.load(b + p), zbv);
    const y0 = addLanes(i32x4.extend_low_i16x8_s(da), i32x4.extend_low_i16x8_s(db), mav, mbv, zo);
    const y1 = addLanes(i32x4.extend_high_i16x8_s(da), i32x4.extend_high_i16x8_s(db), mav, mbv, zo);
    v128.store(out + p, narrowU16x8(y0, y1, lo, hi));
  }
  for (; i < n; i++) {
    const p = <usize>i << 1;
    const fa = <f32>(<i32>load<u16>(a + p) - za) * ma;
    const fb = <f32>(<i32>load<u16>(b + p) - zb) * mb;
    const s: f32 = fa + fb;
    store<u16>(out + p, <u16>clampQ(s + <f32>zOut, qmin, qmax));
  }
}

// avgPool2x2_u8 on 16-bit activations (u16 in and out, values and zIn ≤ 32767). Reads up to 7 values
// (14 bytes) past a pixel's last channel, into lanes that are not stored.
export function avgPool2x2_a16(inp: usize, H: i32, W: i32, C: i32, zIn: i32, padT: i32, padL: i32, Ho: i32, Wo: i32, m: f32, zOut: i32, qmax: i32, out: usize): void {
  avgPool2x2<u16>(inp, H, W, C, zIn, padT, padL, Ho, Wo, m, zOut, qmax, out);
}

// roundHalfEven(y) saturated to [lo, hi] as the vector chain does (NaN → 0 first).
// @ts-ignore: decorator
@inline function clampQ(y: f32, lo: i32, hi: i32): i32 {
  let r = nearest<f32>(y);
  if (r != r) r = 0;
  return <i32>min<f32>(max<f32>(r, <f32>lo), <f32>hi);
}

// clampQ(y, 0, top) four at a time, as i32 lanes. Clamping in f32 first (pmax/pmin: one instruction each, and
// pmax(0, NaN) is 0) leaves a whole number in 0..top, which 2^23 + r holds exactly in its low mantissa bits: a
// subtraction then converts it, where trunc_sat costs V8 a sequence of NaN and overflow fix-ups.
// @ts-ignore: decorator
@inline function roundedToI32(y: v128, top: v128): v128 {
  const r = f32x4.pmin(top, f32x4.pmax(f32x4.splat(0), f32x4.nearest(y)));
  return i32x4.sub(f32x4.add(r, f32x4.splat(8388608)), i32x4.splat(0x4b000000));
}

// quantize_u8 into u16 (qmax ≤ 32767), 8 values a step.
export function quantize_a16(x: usize, n: i32, inv: f32, zero: i32, qmax: i32, out: usize): void {
  const iv = f32x4.splat(inv), zv = f32x4.splat(<f32>zero), top = f32x4.splat(<f32>qmax);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 2);
    const y0 = roundedToI32(f32x4.add(f32x4.mul(v128.load(p), iv), zv), top);
    const y1 = roundedToI32(f32x4.add(f32x4.mul(v128.load(p, 16), iv), zv), top);
    v128.store(out + (<usize>i << 1), i16x8.narrow_i32x4_u(y0, y1));
  }
  for (; i < n; i++) {
    const t: f32 = load<f32>(x + (<usize>i << 2)) * inv;
    store<u16>(out + (<usize>i << 1), <u16>clampQ(t + <f32>zero, 0, qmax));
  }
}

// dequantize_u8 from u16 (values and zero ≤ 32767), 8 values a step.
export function dequantize_a16(q: usize, n: i32, scale: f32, zero: i32, out: usize): void {
  const sv = f32x4.splat(scale), zv = i16x8.splat(<i16>zero);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const d = i16x8.sub(v128.load(q + (<usize>i << 1)), zv);
    const p = out + (<usize>i << 2);
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(d)), sv));
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(d)), sv), 16);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<i32>load<u16>(q + (<usize>i << 1)) - zero) * scale);
}
