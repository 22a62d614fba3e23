import { ArgumentError, ImageError } from "../errors.js";
import { drawLabel } from "../image/draw.js";
import { colorOf } from "../draw-colors.js";
import { YuNetDetector, type YuNetOptions } from "../detect/yunet.js";
import type { Predictor } from "../model.js";
import { loadRunnableModel } from "../quant/saved.js";
import { DEFAULT_MODEL_JSON } from "../paths.js";
import { annotate, recognize, type RecognizedFace } from "../recognize.js";
import { decodeFrames, firstFrame, type DecodedFrame } from "./decode.js";
import { checkOutputName, startEncoder, type FrameSink } from "./encode.js";
import { probeVideo, type VideoInfo } from "./ffmpeg.js";
import { argmaxLabel, ProbabilitySmoother } from "./smooth.js";
import { FaceTracker } from "./tracker.js";

// A video file, frame after frame: FFmpeg decodes, every Nth frame goes through recognize() (YuNet, then the
// emotion model), each face gets a track id and, with `smooth`, its probabilities smoothed over time; with `out`,
// every frame is drawn (an unanalysed one with the last analysed faces) and piped to a second FFmpeg.

export interface AnalyzeVideoOptions extends YuNetOptions {
  /** the emotion model, or where to load it (default: the package's model) */
  model?: Predictor | string;
  /** analyse every Nth frame (default 1: all) */
  every?: number;
  /** seconds from the file's start: the part to analyse (default: all of it) */
  from?: number;
  to?: number;
  /** the time constant, seconds, of each track's exponential smoothing of its probabilities (default 0: none) */
  smooth?: number;
  /** seconds a face may go unseen and keep its track id (default 1) */
  trackMemory?: number;
  /** write the video with boxes, labels and track ids drawn here (.mp4, .mkv, …), at the source's rate, with its audio */
  out?: string;
  /** the file's probe, when the caller has it already (probeVideo) */
  info?: VideoInfo;
  /** called after each decoded frame: frames done, frames expected (NaN when the duration is unknown) */
  onProgress?: (done: number, total: number) => void;
}

export interface VideoFace extends RecognizedFace {
  track: number;
}

export interface VideoFrameResult {
  /** seconds from the file's start */
  time: number;
  /** the frame's number in the file, counting from 0 at its start */
  frame: number;
  /** seconds this analysed frame stands for: until the next analysed one, or the end */
  span: number;
  faces: VideoFace[];
}

/** Options checked and defaults filled, before FFmpeg starts. */
export function videoPlan(info: VideoInfo, o: AnalyzeVideoOptions): { every: number; from: number; to: number; total: number } {
  const { every = 1, from = 0, to = Infinity } = o;
  if (!(Number.isInteger(every) && every >= 1)) throw new ArgumentError(`every: expected an integer ≥ 1, found ${every}`);
  if (!(from >= 0 && Number.isFinite(from))) throw new ArgumentError(`from: expected seconds ≥ 0, found ${from}`);
  if (!(to > from)) throw new ArgumentError(`to: expected seconds after from (${from}), found ${to}`);
  if (from >= info.duration) throw new ArgumentError(`from: ${from} s is past the end of ${info.file} (${info.duration} s)`);
  const end = Math.min(to, Number.isNaN(info.duration) ? Infinity : info.duration);
  // the frames from the first at or after `from` to the last before `end` (NaN: the end is unknown)
  const total = Number.isFinite(end) ? Math.max(0, Math.ceil(end * info.fps - 1e-6) - firstFrame(info, from)) : NaN;
  return { every, from, to, total };
}

/** The analysed frames of a video file, in order; memory holds a few frames whatever the video's length. */
export async function* analyzeVideo(file: string, options: AnalyzeVideoOptions = {}): AsyncGenerator<VideoFrameResult> {
  const { model: modelOption, smooth = 0, trackMemory = 1, out, onProgress, scoreThreshold, nmsThreshold, topK, longestSide } = options;
  if (out !== undefined) checkOutputName(out, "out:");
  const info = options.info ?? (await probeVideo(file));
  const { every, from, to, total } = videoPlan(info, options);
  const tracker = new FaceTracker({ memory: trackMemory });
  const smoother = new ProbabilitySmoother(smooth);
  const model = modelOption === undefined || typeof modelOption === "string" ? await loadRunnableModel(modelOption ?? DEFAULT_MODEL_JSON) : modelOption;
  const detector = YuNetDetector.default();
  const first = firstFrame(info, from);
  const sink: FrameSink | null = out === undefined ? null : startEncoder(out, info, { from, to });
  let faces: VideoFace[] = [];
  // an analysed frame is yielded once its span is known: at the next analysed frame, or at the end
  let pending: VideoFrameResult | null = null;
  let decoded = 0, finished = false;
  try {
    for await (const frame of decodeFrames(info, { from, to })) {
      decoded++;
      if (frame.index % every === 0) {
        const time = round6((first + frame.index) / info.fps);
        faces = analyse(frame, time);
        if (pending) yield pending;
        pending = { time, frame: first + frame.index, span: round6(every / info.fps), faces };
      }
      if (sink) await sink.write(drawFrame(frame, faces));
      onProgress?.(decoded, total);
    }
    if (decoded === 0) throw new ImageError(`${info.file}: no frames${from > 0 || to < Infinity ? ` between ${from} s and ${to} s` : ""}`);
    if (pending) {
      pending.span = round6((Math.min(every, decoded - (pending.frame - first))) / info.fps);
      yield pending;
    }
    finished = true;
    await sink?.close();
  } finally {
    // an error, or the consumer stopped early (break): the output would be incomplete, so FFmpeg is stopped
    if (sink && !finished) await sink.abort();
  }

  function analyse(frame: DecodedFrame, time: number): VideoFace[] {
    const found = recognize(frame, { model, detector, scoreThreshold, nmsThreshold, topK, longestSide });
    const ids = tracker.update(found, time);
    const result = found.map((f, i) => {
      if (smooth === 0) return { ...f, track: ids[i] };
      const probabilities = smoother.smooth(ids[i], time, f.probabilities);
      return { ...f, label: argmaxLabel(probabilities), probabilities, track: ids[i] };
    });
    smoother.keep(tracker.activeIds());
    return result;
  }
}

/** The frame as RGBA with each face's box, label and, under the box, its track id. */
export function drawFrame(frame: DecodedFrame, faces: readonly VideoFace[]): Uint8ClampedArray {
  const img = annotate(frame, faces as VideoFace[]);
  const scale = Math.max(1, Math.round(Math.min(frame.width, frame.height) / 240));
  for (const f of faces) {
    const h = 9 * scale;
    const y = f.box[1] + f.box[3] + h <= frame.height ? f.box[1] + f.box[3] : Math.max(0, f.box[1] + f.box[3] - h);
    drawLabel(img, `ID ${f.track}`, f.box[0], y, [0, 0, 0], colorOf(f.label), scale);
  }
  return img.data;
}

function round6(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}
