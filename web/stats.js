// Frames per second and mean milliseconds over the last few frames, for the live read-out.
export class Rolling {
  constructor(size = 30) {
    this.size = size;
    this.items = [];
  }

  push(t, timings) {
    this.items.push({ t, ...timings });
    if (this.items.length > this.size) this.items.shift();
  }

  /** Frames finished per second between the first and last frame kept; null until there are two. */
  get fps() {
    const a = this.items;
    if (a.length < 2) return null;
    return ((a.length - 1) * 1000) / (a[a.length - 1].t - a[0].t);
  }

  mean(key) {
    if (!this.items.length) return null;
    return this.items.reduce((s, x) => s + x[key], 0) / this.items.length;
  }

  clear() {
    this.items = [];
  }
}

export function median(values) {
  const a = [...values].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}
