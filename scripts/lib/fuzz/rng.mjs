// A small seeded PRNG (mulberry32) so every fuzz case can be regenerated from (seed, parser, case index):
// a failure report names those three numbers and nothing else is needed to reproduce it.

export class Rng {
  constructor(seed) {
    this.s = seed >>> 0;
  }
  /** uniform in [0, 1) */
  next() {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [0, n) */
  int(n) {
    return Math.floor(this.next() * n);
  }
  pick(list) {
    return list[this.int(list.length)];
  }
  chance(p) {
    return this.next() < p;
  }
}

/** The seed of case i of a parser: independent streams, so one parser's cases do not shift another's. */
export function caseSeed(seed, parser, i) {
  let h = seed >>> 0;
  for (const c of parser) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return (Math.imul(h ^ i, 0x9e3779b1) + i) >>> 0;
}
