import { spawn, type ChildProcess } from "node:child_process";
import { stat } from "node:fs/promises";
import { ImageError, ResezapError } from "../errors.js";

// FFmpeg as a separate process (Debian's `ffmpeg` and `ffprobe` on the PATH), never as a compiled binding: the
// library only spawns it and moves raw frames over pipes.

const NO_FFMPEG = "ffmpeg not found on the PATH: install FFmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)";

/** What ffprobe says about a video file. */
export interface VideoInfo {
  file: string;
  /** the frame size after the file's rotation is applied (FFmpeg applies it when decoding) */
  width: number;
  height: number;
  /** frames a second, the average rate (the output of `resezap video --out` keeps it) */
  fps: number;
  /** seconds; NaN when the container does not say */
  duration: number;
  hasAudio: boolean;
}

/** Spawns an FFmpeg tool; a missing binary becomes one ResezapError saying how to install it. */
export function spawnTool(tool: "ffmpeg" | "ffprobe", args: string[]): ChildProcess {
  return spawn(tool, ["-hide_banner", "-loglevel", "error", ...args], { stdio: ["pipe", "pipe", "pipe"] });
}

/** A path as FFmpeg must be given it: "file:" keeps a name with a colon or a leading dash from being read as a protocol or an option. */
export function fileArg(path: string): string {
  return `file:${path}`;
}

/** Resolves with the exit code and everything written on stderr (kept to its last 4 kB); a missing tool rejects. */
export function exitOf(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let err = "";
  p.stderr?.setEncoding("utf8").on("data", (s: string) => (err = (err + s).slice(-4096)));
  return new Promise((resolve, reject) => {
    p.on("error", (e: NodeJS.ErrnoException) => reject(e.code === "ENOENT" ? new ResezapError(NO_FFMPEG) : e));
    p.on("close", (code, signal) => resolve({ code, signal, stderr: err }));
  });
}

/** FFmpeg's last error line, as the reason of a one-line message. */
export function lastLine(stderr: string): string {
  const lines = stderr.trim().split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? "no message";
}

/** Probes a video file; refuses (naming it) a file that is missing, that FFmpeg cannot read, or with no video stream. */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new ImageError(`${file}: cannot read (${e.code ?? e.message})`);
  });
  if (st.isDirectory()) throw new ImageError(`${file}: cannot read (EISDIR)`);
  const p = spawnTool("ffprobe", ["-print_format", "json", "-show_streams", "-show_format", fileArg(file)]);
  let out = "";
  p.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
  const { code, stderr } = await exitOf(p);
  if (code !== 0) throw new ImageError(`${file}: FFmpeg cannot read it (${lastLine(stderr)})`);
  const probe = JSON.parse(out) as { streams?: ProbeStream[]; format?: { duration?: string } };
  const streams = probe.streams ?? [];
  // attached cover pictures are video streams too, but not the video
  const v = streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
  if (!v) throw new ImageError(`${file}: no video stream (FFmpeg finds ${streams.map((s) => s.codec_type).join(", ") || "no streams"})`);
  const fps = rate(v.avg_frame_rate) || rate(v.r_frame_rate);
  if (!(v.width! > 0 && v.height! > 0 && fps > 0)) throw new ImageError(`${file}: the video stream has no frame size or rate FFmpeg can tell`);
  const rotation = Number(v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? v.tags?.rotate ?? 0);
  const turned = Math.abs(rotation) % 180 === 90;
  return {
    file,
    width: turned ? v.height! : v.width!,
    height: turned ? v.width! : v.height!,
    fps,
    duration: Number(probe.format?.duration ?? v.duration ?? NaN),
    hasAudio: streams.some((s) => s.codec_type === "audio"),
  };
}

interface ProbeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  side_data_list?: { rotation?: number }[];
  tags?: { rotate?: string };
}

/** "30000/1001" → 29.97…; "0/0" → 0. */
function rate(r: string | undefined): number {
  const [n, d] = (r ?? "0/0").split("/").map(Number);
  return d > 0 && n > 0 ? n / d : 0;
}
