// Per-track totals of an analysed video: how long each face was on screen and the share of that time under each
// label. Each analysed frame stands for the time until the next one (`span`), so --every does not change the
// totals' meaning. The per-frame samples are kept small (time, span, label index) for the timeline picture.

export interface TrackTotals {
  track: number;
  /** first and last time the face was seen, seconds */
  first: number;
  last: number;
  /** time on screen: the spans of the analysed frames it is in */
  seconds: number;
  frames: number;
  /** label → share of its time on screen, summing to 1 */
  shares: Record<string, number>;
}

export interface TrackSamples {
  track: number;
  times: number[];
  spans: number[];
  labels: number[];
}

export class TrackSummary {
  private readonly index = new Map<string, number>();
  private readonly samples = new Map<number, TrackSamples>();

  constructor(readonly labels: readonly string[]) {
    labels.forEach((l, i) => this.index.set(l, i));
  }

  add(time: number, span: number, faces: readonly { track: number; label: string }[]): void {
    for (const f of faces) {
      let s = this.samples.get(f.track);
      if (!s) this.samples.set(f.track, (s = { track: f.track, times: [], spans: [], labels: [] }));
      s.times.push(time);
      s.spans.push(span);
      s.labels.push(this.index.get(f.label) ?? this.labelIndex(f.label));
    }
  }

  /** Every track's samples, by track id. */
  tracks(): TrackSamples[] {
    return [...this.samples.values()].sort((a, b) => a.track - b.track);
  }

  totals(): TrackTotals[] {
    return this.tracks().map((s) => {
      const perLabel = new Array<number>(this.index.size).fill(0);
      s.labels.forEach((l, i) => (perLabel[l] += s.spans[i]));
      const seconds = perLabel.reduce((a, b) => a + b, 0);
      const names = [...this.index.keys()];
      return {
        track: s.track, first: s.times[0], last: s.times.at(-1)!, seconds, frames: s.times.length,
        shares: Object.fromEntries(names.map((n, i) => [n, seconds > 0 ? perLabel[i] / seconds : 0])),
      };
    });
  }

  /** The label names, in index order (a model's labels, then any met later). */
  get labelNames(): string[] {
    return [...this.index.keys()];
  }

  private labelIndex(label: string): number {
    this.index.set(label, this.index.size);
    return this.index.size - 1;
  }
}

/** `--summary`'s text: one line per track, its time on screen and its labels by share, largest first. */
export function formatSummary(totals: readonly TrackTotals[]): string {
  if (totals.length === 0) return "no faces";
  return totals.map((t) => {
    const shares = Object.entries(t.shares).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    return `track ${t.track}: ${t.seconds.toFixed(2)} s on screen (${t.first.toFixed(2)}–${t.last.toFixed(2)} s, ${t.frames} frame${t.frames === 1 ? "" : "s"}): ${shares.map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(", ")}`;
  }).join("\n");
}
