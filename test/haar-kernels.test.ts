// The haar module's image kernels (grey conversion, INTER_LINEAR_EXACT resizing, integral images) against plain
// references of what OpenCV 4.6 computes, on the buffers a FaceDetector lays out for a frame.
import { describe, expect, it } from "vitest";
import { FaceDetector } from "../src/detect/index.js";
import { grey, internalsAfterFrame } from "./haar-helpers.js";

describe("grey conversion (assembly/haar/grey.ts)", () => {
  // OpenCV 4.6's cvtColor RGB(A)2GRAY for 8-bit data, written out plainly
  const ref = (r: number, g: number, b: number) => (9798 * r + 19235 * g + 3735 * b + 16384) >> 15;
  it.each([
    [4, 1],
    [4, 15],
    [4, 16],
    [4, 1001],
    [3, 1001],
  ])("%i channels, %i pixels (sixteen at a time and the rest)", (ch, n) => {
    const d = new FaceDetector();
    const W = n, H = 1;
    const data = new Uint8Array(W * H * ch);
    let s = 7 + n;
    for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    data[0] = data[1] = data[2] = 255; // the largest sum
    // pixels right on the rounding boundary (9798·R + 19235·G + 3735·B ≡ 2^14 mod 2^15), where an off-by-one in
    // the rounding constant shows: B = (2^14 − 9798·R − 19235·G) · 3735⁻¹ mod 2^15, kept when it is a byte
    let inv = 1;
    while ((3735 * inv) % 32768 !== 1) inv += 2;
    const boundary: number[][] = [];
    for (let r = 0; r < 256 && boundary.length < 64; r++) {
      for (let g = 0; g < 256 && boundary.length < 64; g++) {
        const b = Number(((BigInt(16384 - 9798 * r - 19235 * g) % 32768n + 32768n) * BigInt(inv)) % 32768n);
        if (b < 256) boundary.push([r, g, b]);
      }
    }
    for (let i = 1; i < n; i++) data.set(boundary[i % boundary.length], i * ch);
    d.scanScales({ data, width: W, height: H }, []);
    const t = internalsAfterFrame(d), L = t.L;
    const got = new Uint8Array(t.wasm.memory.buffer, L.grey, n);
    for (let i = 0; i < n; i++) if (got[i] !== ref(data[i * ch], data[i * ch + 1], data[i * ch + 2])) expect(got[i], `pixel ${i}`).toBe(ref(data[i * ch], data[i * ch + 1], data[i * ch + 2]));
    expect(got[0]).toBe(255);
  });
});

describe("resize (assembly/haar/resize.ts): OpenCV's INTER_LINEAR_EXACT, four columns at a time", () => {
  // resize_bitExact for 8-bit grey, written out plainly: 8-bit fixed-point coefficients rounded (half to even, as
  // the kernel's f64 nearest) from f64, edges repeated, rows combined with (r0·(256 − c) + r1·c + 2^15) >> 16
  function reference(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
    const coef = (d: number, s: number, n: number): [number, number, number] => {
      const f = (1 / (d / s)) * (n + 0.5) - 0.5;
      const i = Math.floor(f);
      if (i < 0 || s === 1) return [0, 0, 0];
      if (i >= s - 1) return [s - 1, s - 1, 0];
      const x = (f - i) * 256;
      const r = Math.round(x);
      return [i, i + 1, r - x === 0.5 && r % 2 === 1 ? r - 1 : r];
    };
    const out = new Uint8Array(dw * dh);
    const hrow = (y: number) =>
      Array.from({ length: dw }, (_, x) => {
        const [a, b, c] = coef(dw, sw, x);
        return src[y * sw + a] * (256 - c) + src[y * sw + b] * c;
      });
    for (let y = 0; y < dh; y++) {
      const [r0, r1, c] = coef(dh, sh, y);
      const h0 = hrow(r0), h1 = hrow(r1);
      for (let x = 0; x < dw; x++) out[y * dw + x] = (h0[x] * (256 - c) + h1[x] * c + (1 << 15)) >> 16;
    }
    return out;
  }

  it.each([
    [97, 61, 80, 50],
    [160, 120, 133, 100],
    [203, 151, 37, 28], // shrink by 5.5: the scalar fallback
    [64, 48, 63, 47],
    [640, 480, 257, 193],
    [33, 9, 11, 3],
    [40, 30, 5, 4],
  ])("%i×%i → %i×%i", (sw, sh, dw, dh) => {
    const d = new FaceDetector();
    const img = { data: grey(sw, sh, sw + 3 * sh, (sw + sh) % 2 === 0), width: sw, height: sh };
    d.scanScales(img, []);
    const t = internalsAfterFrame(d), L = t.L;
    t.wasm.resizeLinearExact(L.grey, sw, sh, L.resized, dw, dh, L.scratch);
    const got = new Uint8Array(t.wasm.memory.buffer, L.resized, dw * dh);
    const want = reference(img.data, sw, sh, dw, dh);
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) expect(got[i], `pixel (${i % dw}, ${Math.floor(i / dw)})`).toBe(want[i]);
  });
});

describe("integral images (assembly/haar/integral.ts), four pixels at a time", () => {
  it.each([
    [1, 1],
    [3, 2],
    [4, 3],
    [7, 5],
    [64, 48],
    [97, 61],
    [131, 67],
  ])("%i×%i", (W, H) => {
    const d = new FaceDetector();
    const img = { data: grey(W, H, W * 5 + H), width: W, height: H };
    img.data[0] = 255; // the largest pixel, squared
    d.scanScales(img, []);
    const t = internalsAfterFrame(d), L = t.L;
    const plane = L.stride * (H + 1) * 4;
    t.wasm.integral(L.grey, W, H, L.sum, L.sum + plane, L.stride);
    const sum = new Int32Array(t.wasm.memory.buffer, L.sum, L.stride * (H + 1));
    const sq = new Int32Array(t.wasm.memory.buffer, L.sum + plane, L.stride * (H + 1));
    // entry (x, y): the sum over the pixels above and left of it, written out plainly
    for (let y = 0; y <= H; y++) {
      for (let x = 0; x <= W; x++) {
        let a = 0, b = 0;
        for (let yy = 0; yy < y; yy++) for (let xx = 0; xx < x; xx++) (a += img.data[yy * W + xx]), (b += img.data[yy * W + xx] ** 2);
        if (sum[y * L.stride + x] !== a) expect(sum[y * L.stride + x], `sum (${x}, ${y})`).toBe(a);
        if (sq[y * L.stride + x] !== (b | 0)) expect(sq[y * L.stride + x], `squares (${x}, ${y})`).toBe(b | 0);
      }
    }
  });
});
