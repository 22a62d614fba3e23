import { once } from "node:events";
import { ArgumentError, ResezapError } from "../errors.js";
import { exitOf, fileArg, lastLine, spawnTool, type VideoInfo } from "./ffmpeg.js";
import { rangeInputArgs, type TimeRange } from "./decode.js";

// The encoder: a second `ffmpeg` reading raw RGBA frames on its stdin at the source's frame rate, with the
// source's audio (the same range of it) mapped in from the input file. The codecs are FFmpeg's defaults for the
// output's container (H.264 and AAC for .mp4), in yuv420p so every player takes it.

export interface FrameSink {
  /** Writes one RGBA frame; resolves when the pipe can take more (backpressure). */
  write(rgba: Uint8Array | Uint8ClampedArray): Promise<void>;
  /** Ends the input and waits for FFmpeg to finish the file. */
  close(): Promise<void>;
  /** Stops FFmpeg (after an error elsewhere); the file is left incomplete. */
  abort(): Promise<void>;
}

export function startEncoder(out: string, info: VideoInfo, range: TimeRange): FrameSink {
  const raw = ["-f", "rawvideo", "-pix_fmt", "rgba", "-s", `${info.width}x${info.height}`, "-r", String(info.fps), "-i", "pipe:0"];
  const audio = info.hasAudio ? [...rangeInputArgs(info, range), "-map", "0:v:0", "-map", "1:a:0", "-shortest"] : ["-map", "0:v:0"];
  // yuv420p needs even sides: an odd one gets a black row or column
  const p = spawnTool("ffmpeg", ["-y", ...raw, ...audio, "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", fileArg(out)]);
  const exit = exitOf(p);
  exit.catch(() => {});
  const failed = async (): Promise<never> => {
    const { code, stderr } = await exit;
    throw new ResezapError(`${out}: FFmpeg could not write the video (${code === 0 ? "it stopped reading frames" : lastLine(stderr)})`);
  };
  let broken = false;
  p.stdin!.on("error", () => (broken = true)); // EPIPE when FFmpeg exits early: reported from its exit status
  return {
    async write(rgba) {
      if (broken) await failed();
      if (!p.stdin!.write(rgba)) {
        // (a pipe error rejects `once`; FFmpeg's exit status says what went wrong)
        await Promise.race([once(p.stdin!, "drain").catch(() => {}), exit.then(() => {}, () => {})]);
        if (p.exitCode !== null) await failed();
      }
    },
    async close() {
      p.stdin!.end();
      const { code, stderr } = await exit;
      if (code !== 0) throw new ResezapError(`${out}: FFmpeg could not write the video (${lastLine(stderr)})`);
    },
    async abort() {
      p.kill("SIGKILL");
      await exit.catch(() => {});
    },
  };
}

/** Output names FFmpeg picks a muxer for by their extension, checked before any work. */
const VIDEO_EXTENSIONS = [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"];

export function checkOutputName(out: string, what: string): void {
  const ext = out.slice(out.lastIndexOf(".")).toLowerCase();
  if (!VIDEO_EXTENSIONS.includes(ext)) throw new ArgumentError(`${what} ${out}: name the video ${VIDEO_EXTENSIONS.join(", ")}`);
}
