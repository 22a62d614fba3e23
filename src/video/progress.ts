// The progress line of `resezap video` on a terminal: a bar, frames done, frames a second and the time left,
// redrawn in place at most a few times a second. The CLI makes one only when stderr is a TTY.

const BAR = 24;

export class Progress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(done: number, total: number): void {
    const now = performance.now();
    if (now - this.lastDraw < 200 && done !== total) return;
    this.lastDraw = now;
    this.shown = true;
    this.stream.write(`\r${progressLine(done, total, (now - this.start) / 1000)}\x1b[K`);
  }

  /** Ends the line, so what follows starts on a fresh one. */
  done(): void {
    if (this.shown) this.stream.write("\n");
    this.shown = false;
  }
}

/** "[#######.........] 120/300 frames  24.0 frames/s  8 s left"; with an unknown total, frames and rate only. */
export function progressLine(done: number, total: number, elapsed: number): string {
  const rate = elapsed > 0 ? done / elapsed : 0;
  const rateText = `${rate.toFixed(1)} frames/s`;
  if (!(total > 0)) return `${done} frames  ${rateText}`;
  const share = Math.min(1, done / total);
  const filled = Math.round(share * BAR);
  const left = rate > 0 ? Math.max(0, (total - done) / rate) : NaN;
  return `[${"#".repeat(filled)}${".".repeat(BAR - filled)}] ${done}/${total} frames  ${rateText}  ${Number.isFinite(left) ? `${formatDuration(left)} left` : ""}`.trimEnd();
}

function formatDuration(s: number): string {
  const r = Math.round(s);
  if (r < 60) return `${r} s`;
  const m = Math.floor(r / 60);
  return m < 60 ? `${m} min ${r % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
