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

/** A decoded frame: RGB, 3 bytes a pixel; index counts from the range's start. */
export interface DecodedFrame {
  index: number;
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/** FFmpeg's input arguments for a range: -ss before -i seeks fast and, as frames are decoded, exactly. */
export function rangeInputArgs(info: VideoInfo, range: TimeRange): string[] {
  return [...(range.from > 0 ? ["-ss", String(range.from)] : []), ...(Number.isFinite(range.to) ? ["-t", String(range.to - range.from)] : []), "-i", fileArg(info.file)];
}

/**
 * The frames of `range` at a constant rate of info.fps (a variable-rate file's frames are repeated or dropped to
 * it, so frame i is at from + i / fps and an encoder fed these frames at that rate stays in step with the audio).
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
