import { expect } from "vitest";
import { Arena, instantiateSync, type ModuleName } from "../src/engine/wasm.js";

/** Max |a-b| / (1 + |b|) over the arrays, which must have equal length. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const e = maxRelErr(actual, expected);
  expect(e, `${what}: max relative error ${e}`).toBeLessThanOrEqual(tol);
}

/**
 * A fresh instance of a kernel module and ways to lay data into its memory: put (floats), putBytes (a table of
 * mixed i32/f32 words, copied as bytes), out (an output of n floats, NaN-poisoned 4 floats further, so a skipped
 * element or a write past the end shows), untouchedAfter (checks those 4 floats).
 */
export function kernelHarness(name: ModuleName) {
  const ex = instantiateSync(name).exports as any;
  const arena = new Arena(ex);
  const put = (a: ArrayLike<number>) => {
    const p = arena.alloc(a.length * 4 + 16);
    arena.writeF32(p, a);
    return p;
  };
  const putBytes = (a: Int32Array | Float32Array) => {
    const p = arena.alloc(a.byteLength + 16);
    arena.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), p);
    return p;
  };
  const out = (n: number) => {
    const p = arena.alloc(n * 4 + 16);
    arena.f32.fill(NaN, p >> 2, (p >> 2) + n + 4);
    return p;
  };
  const untouchedAfter = (p: number, n: number) => {
    for (let k = 0; k < 4; k++) expect(Number.isNaN(arena.f32[(p >> 2) + n + k]), `written past the end at +${k}`).toBe(true);
  };
  return { ex, arena, put, putBytes, out, untouchedAfter };
}
