import { createWriteStream, type WriteStream } from "node:fs";
import { stat, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { dirname } from "node:path";
import { ArgumentError, ResezapError } from "../errors.js";
import { analyzeVideo, videoPlan } from "../video/analyze.js";
import { checkOutputName } from "../video/encode.js";
import { probeVideo } from "../video/ffmpeg.js";
import { Progress } from "../video/progress.js";
import { formatSummary, TrackSummary } from "../video/summary.js";
import { timelinePng } from "../video/timeline.js";
import { detectorOptions, parseArgs, stringOption } from "./args.js";
import { videoOptions } from "./video-options.js";
import { frameRecord } from "../video/record.js";
import { loadModelOption } from "./classify.js";
import { parserSpec } from "./options.js";

// `resezap video <file> [--out FILE.mp4] [--jsonl FILE|-] [--every N] [--from T --to T] [--smooth S] [--summary]
// [--timeline FILE.png]`: every option is checked, and every output's folder, before FFmpeg starts.
export async function videoCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("video"), "video");
  if (p.positionals.length !== 1) throw new ArgumentError(`video: expected one video file, found ${p.positionals.length}`);
  const file = p.positionals[0];
  const { yunet } = detectorOptions(p, "video");
  const { every, from, to, smooth, trackMemory } = videoOptions(p, "video");
  const out = stringOption(p, "out"), timeline = stringOption(p, "timeline"), summary = p.options.has("summary");
  // with nothing else asked for, the frames' lines go to stdout
  const jsonl = stringOption(p, "jsonl") ?? (out || summary || timeline ? undefined : "-");
  if (jsonl === "-" && summary) throw new ArgumentError("video: --summary and --jsonl - would both write on stdout; give --jsonl a file");
  if (out !== undefined) checkOutputName(out, "video: --out");
  if (timeline !== undefined && !timeline.toLowerCase().endsWith(".png")) throw new ArgumentError(`video: --timeline ${timeline}: the picture is written as PNG; name it .png`);
  for (const [key, target] of [["out", out], ["jsonl", jsonl], ["timeline", timeline]] as const) {
    if (target === undefined || target === "-") continue;
    if (target === file) throw new ArgumentError(`video: --${key} ${target} is the input video`);
    if (!(await stat(dirname(target)).then((s) => s.isDirectory(), () => false))) throw new ArgumentError(`video: --${key} ${target}: the folder ${dirname(target)} does not exist`);
  }
  const info = await probeVideo(file);
  const plan = videoPlan(info, { every, from, to });
  const model = await loadModelOption(p);
  const lines = jsonl === undefined ? null : jsonl === "-" ? process.stdout : createWriteStream(jsonl);
  const totals = summary || timeline ? new TrackSummary(model.classNames ?? []) : null;
  const progress = process.stderr.isTTY ? new Progress(process.stderr) : null;
  let last = plan.from;
  // a reader that stops early (`| head`) closes the pipe: stop quietly, as other command-line tools do
  let readerGone = false;
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    readerGone = true;
  };
  if (lines === process.stdout) process.stdout.on("error", onStdoutError);
  let writeError: NodeJS.ErrnoException | null = null;
  if (lines && lines !== process.stdout) lines.on("error", (e: NodeJS.ErrnoException) => (writeError = e));
  const checkWrites = () => {
    if (writeError) throw new ResezapError(`video: --jsonl ${jsonl}: cannot write (${writeError.code ?? writeError.message})`);
  };
  try {
    for await (const r of analyzeVideo(file, { info, model, every, from, to, smooth, trackMemory, out, ...yunet, onProgress: progress ? (d, t) => progress.update(d, t) : undefined })) {
      if (readerGone) return;
      checkWrites();
      if (lines) await writeLine(lines, JSON.stringify(frameRecord(r)));
      totals?.add(r.time, r.span, r.faces);
      last = r.time + r.span;
    }
  } finally {
    process.stdout.off("error", onStdoutError);
    progress?.done();
    if (lines && lines !== process.stdout && !writeError) await new Promise((resolve) => (lines as WriteStream).end(resolve));
  }
  checkWrites();
  if (totals && summary) console.log(formatSummary(totals.totals()));
  if (totals && timeline) await writeFile(timeline, timelinePng(totals.tracks(), totals.labelNames, plan.from, last));
}

/** One line, waiting when the stream's buffer is full, so a slow disk or pipe bounds memory. */
async function writeLine(stream: NodeJS.WritableStream, line: string): Promise<void> {
  // (an error rejects `once`; the stream's error handler has the say on it)
  if (!stream.write(line + "\n")) await once(stream, "drain").catch(() => {});
}
