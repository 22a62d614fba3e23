import { expect } from "vitest";

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
