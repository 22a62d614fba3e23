import { ArgumentError } from "../errors.js";

// Exponential smoothing of each track's probabilities over time, by a time constant τ rather than a per-frame
// factor, so the same --smooth gives the same curve whichever frames are analysed: after a gap of dt seconds the
// new observation weighs α = 1 − e^(−dt/τ), and the track's previous value the rest.

export class ProbabilitySmoother {
  private state = new Map<number, { time: number; p: Record<string, number> }>();

  /** tau: the time constant in seconds; 0 leaves probabilities as they are. */
  constructor(readonly tau: number) {
    if (!(tau >= 0 && Number.isFinite(tau))) throw new ArgumentError(`smooth: the time constant must be a number of seconds ≥ 0, found ${tau}`);
  }

  /** The smoothed probabilities of `track` at `time` given the frame's own; a track's first frame is taken as it is. */
  smooth(track: number, time: number, probabilities: Readonly<Record<string, number>>): Record<string, number> {
    const prev = this.state.get(track);
    let p: Record<string, number>;
    if (!prev || this.tau === 0) p = { ...probabilities };
    else {
      const alpha = 1 - Math.exp(-(time - prev.time) / this.tau);
      p = Object.fromEntries(Object.entries(probabilities).map(([k, v]) => [k, prev.p[k] + alpha * (v - prev.p[k])]));
    }
    this.state.set(track, { time, p });
    return p;
  }

  /** Forgets tracks not in `alive`, so an hours-long video keeps only the tracks on screen. */
  keep(alive: ReadonlySet<number>): void {
    for (const id of this.state.keys()) if (!alive.has(id)) this.state.delete(id);
  }
}

/** The label with the highest probability (the first one on a tie). */
export function argmaxLabel(probabilities: Readonly<Record<string, number>>): string {
  let best = "", bestP = -Infinity;
  for (const [k, v] of Object.entries(probabilities)) if (v > bestP) (best = k), (bestP = v);
  return best;
}
