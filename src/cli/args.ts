import { ArgumentError } from "../errors.js";
import { loadCascade, type Cascade } from "../detect/cascade.js";
import type { TestTimeAveraging } from "../classify.js";

// A small argument parser: --flag, --key value, --key=value, and positionals. Unknown options are refused
// by name so a typo never silently changes what runs.

export interface Parsed {
  positionals: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: string[], spec: { flags?: string[]; values?: string[] }, command: string): Parsed {
  const flags = new Set(spec.flags ?? []), values = new Set(spec.values ?? []);
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--")) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (flags.has(key)) {
      if (eq > 0) throw new ArgumentError(`${command}: --${key} takes no value`);
      options.set(key, true);
    } else if (values.has(key)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new ArgumentError(`${command}: --${key} needs a value`);
      options.set(key, v);
    } else {
      const known = [...flags, ...values].map((k) => `--${k}`).join(", ");
      throw new ArgumentError(`${command}: unknown option --${key}${known ? ` (known: ${known})` : ""}`);
    }
  }
  return { positionals, options };
}

export function numberOption(p: Parsed, key: string, command: string, check: (v: number) => boolean, expected: string): number | undefined {
  const v = p.options.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || !check(n)) throw new ArgumentError(`${command}: --${key} must be ${expected}, found ${JSON.stringify(v)}`);
  return n;
}

/** --workers' default for the training commands (train, average): 2, or the cores if fewer. */
export async function defaultTrainWorkers(): Promise<number> {
  const os = await import("node:os");
  return Math.min(2, os.availableParallelism?.() ?? os.cpus().length);
}

export function stringOption(p: Parsed, key: string): string | undefined {
  const v = p.options.get(key);
  return typeof v === "string" ? v : undefined;
}

/** The Haar cascade's options (OpenCV's detectMultiScale), which need --detector haar. */
const HAAR_VALUES = ["scale-factor", "min-neighbors", "min-size", "max-size", "cascade"];

/**
 * --detector yunet|haar (default yunet) and each detector's options, checked the same way for `faces` and
 * `detect` (src/cli/options.ts describes them); an option of the detector that does not run is refused.
 */
export function detectorOptions(p: Parsed, command: string): {
  detector: "haar" | "yunet";
  yunet: { scoreThreshold?: number; nmsThreshold?: number; topK?: number; longestSide?: number };
  haar: { scaleFactor?: number; minNeighbors?: number; minSize?: number; maxSize?: number; cascadeFile?: string };
} {
  const d = stringOption(p, "detector") ?? (p.options.has("detector") ? "" : "yunet");
  if (d !== "haar" && d !== "yunet") throw new ArgumentError(`${command}: --detector must be yunet or haar, found ${JSON.stringify(p.options.get("detector"))}`);
  const haarGiven = HAAR_VALUES.find((k) => p.options.has(k));
  if (d === "yunet" && haarGiven) throw new ArgumentError(`${command}: --${haarGiven} is an option of --detector haar (the default detector is YuNet)`);
  const unit = (v: number) => v >= 0 && v <= 1;
  const px = (v: number) => Number.isInteger(v) && v >= 0;
  const yunet = {
    scoreThreshold: numberOption(p, "score-threshold", command, unit, "a number in [0, 1]"),
    nmsThreshold: numberOption(p, "nms-threshold", command, unit, "a number in [0, 1]"),
    topK: numberOption(p, "top-k", command, (v) => Number.isInteger(v) && v >= 1, "an integer ≥ 1"),
    longestSide: numberOption(p, "longest-side", command, (v) => Number.isInteger(v) && v >= 32 && v <= 16384, "an integer in 32..16384 (pixels)"),
  };
  if (d === "haar") {
    const given = Object.entries(yunet).find(([, v]) => v !== undefined);
    if (given) throw new ArgumentError(`${command}: --${given[0].replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} is an option of --detector yunet`);
  }
  const haar = {
    scaleFactor: numberOption(p, "scale-factor", command, (v) => v > 1 && v <= 4, "a number in (1, 4]"),
    minNeighbors: numberOption(p, "min-neighbors", command, px, "an integer ≥ 0"),
    minSize: numberOption(p, "min-size", command, px, "a size in pixels (an integer ≥ 0)"),
    maxSize: numberOption(p, "max-size", command, px, "a size in pixels (an integer ≥ 0)"),
    cascadeFile: stringOption(p, "cascade"),
  };
  return { detector: d, yunet, haar };
}

/** --cascade FILE read and parsed (errors name the file), for `faces` and `detect` alike. */
export async function readCascadeOption(file: string, command: string): Promise<Cascade> {
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new ArgumentError(`${command}: --cascade ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return loadCascade(text, file);
}

/** --tta (the flipped face) or --ten-crop (tenCrops' ten views), one of them at most. */
export function ttaOption(p: Parsed, command: string): TestTimeAveraging {
  const flip = p.options.has("tta"), ten = p.options.has("ten-crop");
  if (flip && ten) throw new ArgumentError(`${command}: --tta and --ten-crop: give one (the ten crops include their mirror images)`);
  return ten ? "ten-crop" : flip ? "flip" : "none";
}
