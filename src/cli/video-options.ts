import { numberOption, type Parsed } from "./args.js";

/** --every, --from, --to, --smooth and --track-memory, checked alike for `video` and `enqueue`. */
export function videoOptions(p: Parsed, command: string) {
  const seconds = (v: number) => v >= 0, secondsText = "a number of seconds ≥ 0";
  const every = numberOption(p, "every", command, (v) => Number.isInteger(v) && v >= 1, "an integer ≥ 1");
  const from = numberOption(p, "from", command, seconds, secondsText);
  const to = numberOption(p, "to", command, (v) => v > (from ?? 0), `seconds after --from (${from ?? 0})`);
  const smooth = numberOption(p, "smooth", command, seconds, secondsText);
  const trackMemory = numberOption(p, "track-memory", command, seconds, secondsText);
  return { every, from, to, smooth, trackMemory };
}
