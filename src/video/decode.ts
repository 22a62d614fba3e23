import type { Readable } from "node:stream";
import { ImageError } from "../errors.js";
import { exitOf, fileArg, lastLine, spawnTool, type VideoInfo } from "./ffmpeg.js";

// The decoder: one `ffmpeg` writing raw RGB frames on its stdout. Frames are pulled one at a time (for await on
// the pipe), so a slow consumer pauses FFmpeg through the pipe's backpressure and memory holds a few frames only.

/** The part of a video to decode, in seconds from its start. */
export interface TimeRange {
  from: number;
  /** Infinity: to the end */
  to: number;
}

/** A decoded frame: RGB, 3 bytes a pixel; index counts from the range's first frame (firstFrame). */
export interface DecodedFrame {
  index: number;
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/** The number of the first frame at or after `from` seconds (frame k is at k / fps). */
export function firstFrame(info: VideoInfo, from: number): number {
  return Math.max(0, Math.ceil(from * info.fps - 1e-6));
}

/**
 * FFmpeg's input arguments for a range: -ss before -i seeks fast and, as frames are decoded, exactly. The seek
 * lands just before the first frame's time, not at `from`: the constant-rate output starts its clock at the seek
 * point, and a first frame half a frame after it would be doubled to fill the empty slot. The length ends just
 * before the first frame at or after `to`, for the same reason.
 */
export function rangeInputArgs(info: VideoInfo, range: TimeRange): string[] {
  const k = firstFrame(info, range.from), end = firstFrame(info, range.to);
  const seek = k > 0 ? (k - 0.01) / info.fps : 0;
  return [...(seek > 0 ? ["-ss", seek.toFixed(6)] : []), ...(Number.isFinite(range.to) ? ["-t", ((end - 0.01) / info.fps - seek).toFixed(6)] : []), "-i", fileArg(info.file)];
}

/**
 * The frames of `range` at a constant rate of info.fps (a variable-rate file's frames are repeated or dropped to
 * it, so frame i is at (firstFrame + i) / fps and an encoder fed these frames at that rate stays in step with the
 * audio).
 */
export async function* decodeFrames(info: VideoInfo, range: TimeRange): AsyncGenerator<DecodedFrame> {
  const { width, height } = info;
  const p = spawnTool("ffmpeg", ["-nostdin", ...rangeInputArgs(info, range), "-map", "0:v:0", "-an", "-sn", "-fps_mode", "cfr", "-r", String(info.fps), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
  const exit = exitOf(p);
  exit.catch(() => {}); // awaited below; a missing ffmpeg also ends the stdout loop
  let index = 0;
  let finished = false;
  try {
    for await (const data of framesOf(p.stdout!, width * height * 3)) {
      yield { index: index++, data, width, height, channels: 3 };
    }
    const { code, stderr } = await exit;
    finished = true;
    if (code !== 0) throw new ImageError(`${info.file}: FFmpeg stopped decoding (${lastLine(stderr)})`);
  } finally {
    // the consumer stopped early (break, an error): end the decoder rather than leave it blocked on a full pipe
    if (!finished) {
      p.kill("SIGKILL");
      await exit.catch(() => {});
    }
  }
}

/** Cuts a byte stream into frames of `bytes` each; a short tail (an interrupted stream) is dropped. */
export async function* framesOf(stream: Readable, bytes: number): AsyncGenerator<Uint8Array> {
  let frame = new Uint8Array(bytes);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(bytes - filled, chunk.length - off);
      frame.set(chunk.subarray(off, off + n), filled);
      filled += n;
      off += n;
      if (filled === bytes) {
        // a fresh buffer each frame: the consumer may keep the one it was given
        yield frame;
        frame = new Uint8Array(bytes);
        filled = 0;
      }
    }
  }
}
