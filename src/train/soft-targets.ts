// Soft targets for the Training rows of FER2013: a distribution over the 7 classes per face, which training mixes
// with the one-hot label (TrainConfig.softWeight; the loss is assembly/train/loss.ts). Two sources, one in-memory
// form (SoftTargets: rows in the order of the Training rows of fer2013.csv, FER2013's class order):
//
// - FER+ (microsoft/FERPlus fer2013new.csv): ten annotators' votes per face, row i = row i of fer2013.csv. Its class
//   order differs (neutral, happiness, surprise, sadness, anger, disgust, fear, then contempt, unknown, NF); the
//   three extra columns are dropped and the 7 votes renormalised. A face with no vote in the 7 classes (FER+ calls
//   many of them "not a face") gets a row of zeros: no soft target, it trains on its FER2013 label alone.
// - A teacher file (`resezap soft-targets`, src/cli/soft-targets.ts): the models' averaged softmax, as CSV text so
//   it can be read and diffed:
//       resezap soft targets v1, 28709 rows, split Training[, temperature T]
//       angry,disgust,fear,happy,sad,surprise,neutral
//       0.0123457,0.000891,…            (one line per Training row, 7 values ≥ 0 summing to 1 within 1e-3)
//   The temperature is stated where it is not 1; training distils at the file's temperature (TrainConfig.softTemperature).
//
// Either is refused whole with one line naming the file and what was expected, never half used.

import { ArgumentError } from "../errors.js";
import { EMOTIONS } from "../resezap.js";
import { FER_CLASSES } from "./fer2013.js";
import { MAX_TEMPERATURE } from "./kernels.js";

export { MAX_TEMPERATURE };

export interface SoftTargets {
  /** rows: one per Training face, in file order */
  n: number;
  /** [n, 7] in FER2013's class order; each row sums to 1, or is all zeros (no soft target for that face) */
  probs: Float32Array;
  /** rows of zeros */
  missing: number;
  format: "ferplus" | "teacher";
  /** the teacher's softmax temperature (the file's first line; 1 where it states none, and for FER+ votes) */
  temperature: number;
}

export class SoftTargetsError extends ArgumentError {}

export const FERPLUS_HEADER = "usage,image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,nf";
/** FER+ vote columns 2..8 → FER2013's class index (angry 0, disgust 1, fear 2, happy 3, sad 4, surprise 5, neutral 6) */
export const FERPLUS_TO_FER = [6, 3, 5, 4, 0, 1, 2];
const TEACHER_MAGIC = /^resezap soft targets v1, (\d+) rows, split Training(?:, temperature ([^,\s]+))?$/;
/** a row's sum may be off 1 by this much (text rounding, f32 softmax) */
export const SUM_TOLERANCE = 1e-3;

/** Reads either format, told apart by the first line; plain or gzipped. */
export async function readSoftTargets(file: string): Promise<SoftTargets> {
  const fs = await import("node:fs/promises");
  const { gunzipSync } = await import("node:zlib");
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new SoftTargetsError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code}); expected FER+ votes (fer2013new.csv) or a resezap soft-targets file`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new SoftTargetsError(`${file}: gzip data is corrupt (${(e as Error).message})`);
    }
  }
  return parseSoftTargets(bytes.toString("utf8"), file);
}

export function parseSoftTargets(text: string, file: string): SoftTargets {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  const first = lines[0] ?? "";
  if (first.trim().toLowerCase().split(",").map((s) => s.trim()).join(",") === FERPLUS_HEADER) return parseFerPlus(lines, file);
  if (TEACHER_MAGIC.test(first.trim())) return parseTeacher(lines, file);
  throw new SoftTargetsError(`${file}: first line is ${JSON.stringify(first.slice(0, 80))}, expected the FER+ header "Usage,Image name,neutral,happiness,…,NF" or "resezap soft targets v1, N rows, split Training[, temperature T]"`);
}

function parseFerPlus(lines: string[], file: string): SoftTargets {
  const rows: number[][] = [];
  let missing = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const f = line.split(",");
    if (f.length !== 12) throw new SoftTargetsError(`${file}: line ${i + 1} has ${f.length} fields, expected 12 (Usage, Image name, 10 vote counts)`);
    const usage = f[0].trim();
    if (usage !== "Training") continue;
    const votes = f.slice(2, 9).map((v) => Number(v.trim()));
    votes.forEach((v, j) => {
      if (!(Number.isFinite(v) && v >= 0) || f[2 + j].trim() === "") throw new SoftTargetsError(`${file}: line ${i + 1}: vote ${JSON.stringify(f[2 + j])} in column ${FERPLUS_HEADER.split(",")[2 + j]}, expected a count ≥ 0`);
    });
    const sum = votes.reduce((a, b) => a + b, 0);
    const p = new Array<number>(FER_CLASSES).fill(0);
    if (sum > 0) votes.forEach((v, j) => (p[FERPLUS_TO_FER[j]] = v / sum));
    else missing++;
    rows.push(p);
  }
  if (!rows.length) throw new SoftTargetsError(`${file}: no Training rows (FER+ votes expected)`);
  return { n: rows.length, probs: Float32Array.from(rows.flat()), missing, format: "ferplus", temperature: 1 };
}

function parseTeacher(lines: string[], file: string): SoftTargets {
  const head = TEACHER_MAGIC.exec(lines[0].trim())!;
  const declared = Number(head[1]);
  const temperature = head[2] === undefined ? 1 : Number(head[2]);
  if (!(temperature > 0 && temperature <= MAX_TEMPERATURE)) throw new SoftTargetsError(`${file}: line 1: temperature ${JSON.stringify(head[2])}, expected a number in (0, ${MAX_TEMPERATURE}]`);
  const classes = (lines[1] ?? "").trim();
  if (classes !== EMOTIONS.join(",")) throw new SoftTargetsError(`${file}: line 2 is ${JSON.stringify(classes.slice(0, 80))}, expected the classes "${EMOTIONS.join(",")}"`);
  const body = lines.slice(2);
  if (body.length !== declared) throw new SoftTargetsError(`${file}: ${body.length} rows, its header says ${declared}`);
  const probs = new Float32Array(declared * FER_CLASSES);
  body.forEach((line, r) => {
    const f = line.split(",");
    const where = `${file}: row ${r + 1} (line ${r + 3})`;
    if (f.length !== FER_CLASSES) throw new SoftTargetsError(`${where} has ${f.length} values, expected ${FER_CLASSES}`);
    const v = f.map((s) => (s.trim() === "" ? NaN : Number(s)));
    v.forEach((x, k) => {
      if (!(Number.isFinite(x) && x >= 0)) throw new SoftTargetsError(`${where}: ${EMOTIONS[k]} is ${JSON.stringify(f[k])}, expected a finite number ≥ 0`);
    });
    const sum = v.reduce((a, b) => a + b, 0);
    if (!(Math.abs(sum - 1) <= SUM_TOLERANCE)) throw new SoftTargetsError(`${where} sums to ${sum}, expected 1 within ${SUM_TOLERANCE}`);
    // renormalised, so the loss's target is a distribution whatever the text's rounding
    v.forEach((x, k) => (probs[r * FER_CLASSES + k] = x / sum));
  });
  return { n: declared, probs, missing: 0, format: "teacher", temperature };
}

/**
 * The teacher file's text for n rows of probabilities [n, 7] (7 significant digits: f32's precision), softened at
 * `temperature` (stated on the first line unless 1, so temperature-1 files stay as they always were).
 */
export function formatTeacherTargets(probs: Float32Array, n: number, temperature = 1): string {
  if (probs.length !== n * FER_CLASSES) throw new ArgumentError(`soft targets: ${probs.length} values for ${n} rows, expected ${n * FER_CLASSES}`);
  if (!(temperature > 0 && temperature <= MAX_TEMPERATURE)) throw new ArgumentError(`soft targets: temperature ${temperature}, expected a number in (0, ${MAX_TEMPERATURE}]`);
  const out = [`resezap soft targets v1, ${n} rows, split Training${temperature === 1 ? "" : `, temperature ${temperature}`}`, EMOTIONS.join(",")];
  for (let i = 0; i < n; i++) out.push(Array.from(probs.subarray(i * FER_CLASSES, (i + 1) * FER_CLASSES), (x) => String(Number(x.toPrecision(7)))).join(","));
  return out.join("\n") + "\n";
}

/** Refuses soft targets whose row count is not the data's Training rows (row i must be face i). */
export function checkSoftRows(s: SoftTargets, file: string, trainingRows: number, data: string): void {
  if (s.n !== trainingRows) throw new SoftTargetsError(`${file}: ${s.n} Training rows, expected ${trainingRows} (the Training rows of ${data}, one per face in the same order)`);
}
