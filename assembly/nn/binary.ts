// Element-wise binary ops with broadcasting (Op.Binary): out[i] = a[(i/aDiv) % aMod] ∘ b[(i/bDiv) % bMod].
// The output is walked in rows of L elements, L dividing every per-channel side's mod (div 1) and every
// per-pixel side's div, so that within a row each side is either contiguous or one value: a full tensor,
// a per-channel vector [C] (L = C), a per-pixel value [P] (L = C) and a scalar all run as vectors. Rows
// shorter than 4 take the general path. out may alias a side that is full.
import { BinaryKind } from "../../src/abi/nn";

// @ts-ignore: decorator
@inline function opv(kind: i32, x: v128, y: v128): v128 {
  switch (kind) {
    case BinaryKind.Add: return f32x4.add(x, y);
    case BinaryKind.Sub: return f32x4.sub(x, y);
    case BinaryKind.Mul: return f32x4.mul(x, y);
    case BinaryKind.Div: return f32x4.div(x, y);
    case BinaryKind.Max: return f32x4.max(x, y);
    default: return f32x4.min(x, y);
  }
}

// @ts-ignore: decorator
@inline function ops(kind: i32, x: f32, y: f32): f32 {
  switch (kind) {
    case BinaryKind.Add: return x + y;
    case BinaryKind.Sub: return x - y;
    case BinaryKind.Mul: return x * y;
    case BinaryKind.Div: return x / y;
    case BinaryKind.Max: return max<f32>(x, y);
    default: return min<f32>(x, y);
  }
}

function gcd(a: i32, b: i32): i32 {
  while (b) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// One row of len: both sides contiguous.
// @ts-ignore: decorator
@inline function rowVV(kind: i32, pa: usize, pb: usize, po: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const k = <usize>i << 2;
    v128.store(po + k, opv(kind, v128.load(pa + k), v128.load(pb + k)));
  }
  for (; i < len; i++) {
    const k = <usize>i << 2;
    store<f32>(po + k, ops(kind, load<f32>(pa + k), load<f32>(pb + k)));
  }
}

// One row of len: a contiguous, b the value s.
// @ts-ignore: decorator
@inline function rowVS(kind: i32, pa: usize, s: f32, po: usize, len: i32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const k = <usize>i << 2;
    v128.store(po + k, opv(kind, v128.load(pa + k), sv));
  }
  for (; i < len; i++) {
    const k = <usize>i << 2;
    store<f32>(po + k, ops(kind, load<f32>(pa + k), s));
  }
}

// One row of len: a the value s, b contiguous.
// @ts-ignore: decorator
@inline function rowSV(kind: i32, s: f32, pb: usize, po: usize, len: i32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const k = <usize>i << 2;
    v128.store(po + k, opv(kind, sv, v128.load(pb + k)));
  }
  for (; i < len; i++) {
    const k = <usize>i << 2;
    store<f32>(po + k, ops(kind, s, load<f32>(pb + k)));
  }
}

// One row of len, every element v.
// @ts-ignore: decorator
@inline function rowFill(v: f32, po: usize, len: i32): void {
  const vv = f32x4.splat(v);
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(po + (<usize>i << 2), vv);
  for (; i < len; i++) store<f32>(po + (<usize>i << 2), v);
}

// @ts-ignore: decorator
@inline function binaryKind(a: usize, aDiv: i32, aMod: i32, b: usize, bDiv: i32, bMod: i32, n: i32, out: usize, kind: i32): void {
  // a side is one value within a row when its div > 1 (L divides div) or its mod is 1
  const aConst = aDiv > 1 || aMod == 1, bConst = bDiv > 1 || bMod == 1;
  let L = 0;
  if (aMod > 1 && aDiv < n) L = gcd(L, aDiv > 1 ? aDiv : aMod < n ? aMod : 0);
  if (bMod > 1 && bDiv < n) L = gcd(L, bDiv > 1 ? bDiv : bMod < n ? bMod : 0);
  if (L == 0 || L > n) L = n;
  if (L >= 4) {
    for (let i0 = 0; i0 < n; i0 += L) {
      const len = min(L, n - i0);
      const ia = <usize>((i0 / aDiv) % aMod) << 2, ib = <usize>((i0 / bDiv) % bMod) << 2;
      const po = out + (<usize>i0 << 2);
      if (!aConst && !bConst) rowVV(kind, a + ia, b + ib, po, len);
      else if (!aConst) rowVS(kind, a + ia, load<f32>(b + ib), po, len);
      else if (!bConst) rowSV(kind, load<f32>(a + ia), b + ib, po, len);
      else rowFill(ops(kind, load<f32>(a + ia), load<f32>(b + ib)), po, len);
    }
    return;
  }
  // general path: the two indices advance by counters, no division per element
  let ar = 0, ai = 0, br = 0, bi = 0;
  for (let i = 0; i < n; i++) {
    store<f32>(out + (<usize>i << 2), ops(kind, load<f32>(a + (<usize>ai << 2)), load<f32>(b + (<usize>bi << 2))));
    if (++ar == aDiv) {
      ar = 0;
      if (++ai == aMod) ai = 0;
    }
    if (++br == bDiv) {
      br = 0;
      if (++bi == bMod) bi = 0;
    }
  }
}

// out[i] = a[floor(i/aDiv) % aMod] ∘ b[floor(i/bDiv) % bMod] for i < n, ∘ a BinaryKind.
export function binary(a: usize, aDiv: i32, aMod: i32, b: usize, bDiv: i32, bMod: i32, n: i32, out: usize, kind: i32): void {
  switch (kind) {
    case BinaryKind.Add: binaryKind(a, aDiv, aMod, b, bDiv, bMod, n, out, BinaryKind.Add); break;
    case BinaryKind.Sub: binaryKind(a, aDiv, aMod, b, bDiv, bMod, n, out, BinaryKind.Sub); break;
    case BinaryKind.Mul: binaryKind(a, aDiv, aMod, b, bDiv, bMod, n, out, BinaryKind.Mul); break;
    case BinaryKind.Div: binaryKind(a, aDiv, aMod, b, bDiv, bMod, n, out, BinaryKind.Div); break;
    case BinaryKind.Max: binaryKind(a, aDiv, aMod, b, bDiv, bMod, n, out, BinaryKind.Max); break;
    default: binaryKind(a, aDiv, aMod, b, bDiv, bMod, n, out, BinaryKind.Min);
  }
}
