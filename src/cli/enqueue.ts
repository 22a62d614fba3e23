import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ArgumentError } from "../errors.js";
import { addJobs, checkQueueName, makeJob } from "../queue/enqueue.js";
import { detectorOptions, parseArgs, stringOption } from "./args.js";
import { parserSpec } from "./options.js";
import { queueOptions } from "./queue-common.js";
import { videoOptions } from "./video-options.js";

// `resezap enqueue --redis URL <file...|@list.txt> [--out-dir DIR | --results-queue NAME] [video options]`: one
// job per file. Paths are made absolute here, as the workers will read them: they must see the same file system.

export async function enqueueCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("enqueue"), "enqueue");
  const files = await inputFiles(p.positionals);
  if (files.length === 0) throw new ArgumentError("enqueue: expected pictures or videos (or @list.txt, one path a line)");
  const video = videoOptions(p, "enqueue");
  const { yunet } = detectorOptions(p, "enqueue");
  const model = stringOption(p, "model");
  const outDir = stringOption(p, "out-dir"), resultsQueue = stringOption(p, "results-queue");
  if (outDir !== undefined && resultsQueue !== undefined) throw new ArgumentError("enqueue: --out-dir and --results-queue both say where results go; give one");
  if (resultsQueue !== undefined) checkQueueName(resultsQueue, "enqueue: --results-queue");
  // every job made and checked before Redis is reached, so that a bad option is its own error
  const jobs = files.map((file) => makeJob(file, { options: { model, ...yunet, ...video }, outDir, resultsQueue }));
  const { name, connection } = await queueOptions(p, "enqueue");
  try {
    const report = await addJobs(connection, name, jobs);
    if (p.options.has("json")) console.log(JSON.stringify(report));
    else {
      for (const r of report) console.log(`${r.added ? "added" : "already queued"} ${r.id} ${r.file}`);
      const added = report.filter((r) => r.added).length;
      console.log(`queue ${name}: ${added} job${added === 1 ? "" : "s"} added, ${report.length - added} already there`);
    }
  } finally {
    connection.disconnect();
  }
}

/** The positionals with each @list.txt replaced by its lines (blank and # lines skipped), as absolute paths. */
async function inputFiles(args: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const a of args) {
    if (!a.startsWith("@")) {
      files.push(resolve(a));
      continue;
    }
    const list = a.slice(1);
    let text: string;
    try {
      text = await readFile(list, "utf8");
    } catch (e) {
      throw new ArgumentError(`enqueue: list ${list}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    // a relative path in a list is relative to the list's folder
    for (const line of text.split(/\r?\n/)) {
      const f = line.trim();
      if (f !== "" && !f.startsWith("#")) files.push(resolve(dirname(list), f));
    }
  }
  return [...new Set(files)];
}
