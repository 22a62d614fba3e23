import { createHash } from "node:crypto";
import { basename, extname, join, resolve } from "node:path";
import { ArgumentError } from "../errors.js";

// A queued job: what to analyse, with which options, and where its result goes. Enqueue builds it; the worker
// checks it again (a job may come from another program or another version) before doing any work.

/** The default queue's name. */
export const DEFAULT_QUEUE = "resezap";

/** Files analysed as one picture by recognize(); every other file goes to FFmpeg as a video. */
const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg"]);

export interface JobOptions {
  /** the emotion model: a folder or file path as the worker sees it; absent: the package's */
  model?: string;
  every?: number;
  from?: number;
  to?: number;
  smooth?: number;
  trackMemory?: number;
  scoreThreshold?: number;
  nmsThreshold?: number;
  topK?: number;
  longestSide?: number;
}

export type JobOutput = { jsonl: string } | { queue: string };

export interface JobData {
  kind: "image" | "video";
  /** absolute path */
  file: string;
  options: JobOptions;
  output: JobOutput;
}

export function kindOf(file: string): JobData["kind"] {
  return IMAGE_EXTENSIONS.has(extname(file).toLowerCase()) ? "image" : "video";
}

/**
 * The job's id: a hash of the file's absolute path, the options and where the result goes ("dir:<folder>" or
 * "queue:<name>"), so the same file enqueued again alike is the same job (BullMQ keeps one job per id) and its
 * result is written once.
 */
export function jobId(file: string, options: JobOptions, destination: string): string {
  const keys = Object.keys(options).sort() as (keyof JobOptions)[];
  const canonical = JSON.stringify([resolve(file), keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]), destination]);
  // a letter first: BullMQ refuses ids that are integers
  return "r" + createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

/** The JSONL file for a job's result in `dir`: <input name>.<8 characters of the id>.jsonl. */
export function resultFile(dir: string, file: string, id: string): string {
  return join(resolve(dir), `${basename(file)}.${id.slice(1, 9)}.jsonl`);
}

const NUMBER_FIELDS = ["every", "from", "to", "smooth", "trackMemory", "scoreThreshold", "nmsThreshold", "topK", "longestSide"] as const;

/** The job's data checked field by field; a bad one is an ArgumentError naming the field. */
export function validateJob(data: unknown): JobData {
  const bad = (field: string, expected: string, found: unknown) => new ArgumentError(`job data: ${field} must be ${expected}, found ${JSON.stringify(found)}`);
  if (typeof data !== "object" || data === null) throw bad("the data", "an object", data);
  const d = data as Record<string, unknown>;
  if (d.kind !== "image" && d.kind !== "video") throw bad("kind", '"image" or "video"', d.kind);
  if (typeof d.file !== "string" || !d.file.startsWith("/")) throw bad("file", "an absolute path", d.file);
  const o = d.options ?? {};
  if (typeof o !== "object" || o === null) throw bad("options", "an object", o);
  const opts = o as Record<string, unknown>;
  for (const [k, v] of Object.entries(opts)) {
    if (k === "model") {
      if (typeof v !== "string") throw bad("options.model", "a path", v);
    } else if (!(NUMBER_FIELDS as readonly string[]).includes(k)) throw bad(`options.${k}`, `one of model, ${NUMBER_FIELDS.join(", ")} (unknown option)`, v);
    else if (typeof v !== "number" || !Number.isFinite(v)) throw bad(`options.${k}`, "a number", v);
  }
  const out = d.output as Record<string, unknown> | undefined;
  if (typeof out !== "object" || out === null) throw bad("output", "{ jsonl: path } or { queue: name }", out);
  if (typeof out.jsonl === "string" && out.jsonl.startsWith("/")) return { kind: d.kind, file: d.file, options: opts as JobOptions, output: { jsonl: out.jsonl } };
  if (typeof out.queue === "string" && out.queue !== "") return { kind: d.kind, file: d.file, options: opts as JobOptions, output: { queue: out.queue } };
  throw bad("output", "{ jsonl: absolute path } or { queue: name }", out);
}
