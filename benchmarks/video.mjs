// `resezap video`'s speed on a 640×480 clip made here with FFmpeg from fixture photos (three faces, two of them
// moving; H.264 and AAC in MP4): frames/s of the whole pipeline (analyzeVideo() with --out's annotated video) and
// of each part alone, with the library's own decoder, detector, classifier, drawing and encoder.
//   node --experimental-wasm-relaxed-simd benchmarks/video.mjs [--quick]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyzeVideo, drawFrame } from "../dist/video/analyze.js";
import { decodeFrames } from "../dist/video/decode.js";
import { startEncoder } from "../dist/video/encode.js";
import { probeVideo } from "../dist/video/ffmpeg.js";
import { YuNetDetector } from "../dist/detect/yunet.js";
import { classifyBoxes } from "../dist/recognize.js";
import { loadRunnableModel } from "../dist/quant/saved.js";
import { DEFAULT_MODEL_JSON } from "../dist/paths.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { medianOf, round } from "./lib.mjs";
import { cpuFlags } from "./lib.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const FACES = join(HERE, "../fixtures/faces");
export const VIDEO_COMMAND = "node --experimental-wasm-relaxed-simd benchmarks/video.mjs";
const WHOLE = { from: 0, to: Infinity };

/** Why the video benchmarks cannot run here, or null when FFmpeg is there. */
export function ffmpegMissing() {
  return spawnSync("ffmpeg", ["-version"]).error || spawnSync("ffprobe", ["-version"]).error ? "ffmpeg not found on the PATH (Debian: apt-get install ffmpeg)" : null;
}

/**
 * A 640×480 clip at `fps`: the right 640 columns of fixtures/faces/obama-480p.png (one face) with the astronaut's
 * and Biden's faces crossing it, 2 px a frame, and a 440 Hz tone; FFmpeg's defaults for .mp4 (H.264, AAC).
 */
export function makeClip(file, { seconds, fps = 25 }) {
  const r = spawnSync("ffmpeg", [
    "-hide_banner", "-loglevel", "error", "-y",
    "-loop", "1", "-framerate", String(fps), "-i", join(FACES, "obama-480p.png"),
    "-i", join(FACES, "astronaut.png"), "-i", join(FACES, "biden.png"),
    "-f", "lavfi", "-i", `sine=frequency=440:duration=${seconds}`,
    "-filter_complex", "[0]crop=640:480:iw-640:0[bg];[1]crop=140:160:150:40,scale=154:176[a];[2]crop=200:240:165:50,scale=140:168[b];[bg][a]overlay=x='10+2*n':y=290[t];[t][b]overlay=x='480-2*n':y=10[v]",
    "-map", "[v]", "-map", "3", "-pix_fmt", "yuv420p", "-t", String(seconds), file,
  ], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ffmpeg could not make the clip: ${r.stderr || r.error?.message}`);
}

/** The codecs of a file's streams, as ffprobe names them ("h264 + aac"). */
function codecsOf(file) {
  const r = spawnSync("ffprobe", ["-v", "error", "-print_format", "json", "-show_streams", file], { encoding: "utf8" });
  return (JSON.parse(r.stdout).streams ?? []).map((s) => s.codec_name).join(" + ");
}

const stage = (frames, ms) => ({ fps: round(frames / (ms / 1000), 1), ms_per_frame: round(ms / frames) });

export async function benchVideo({ quick = false } = {}) {
  const missing = ffmpegMissing();
  if (missing) return { skipped: missing };
  const seconds = quick ? 1 : 5, fps = 25, rounds = quick ? 1 : 3;
  const dir = mkdtempSync(join(os.tmpdir(), "resezap-bench-video-"));
  try {
    const clip = join(dir, "clip.mp4");
    makeClip(clip, { seconds, fps });
    const info = await probeVideo(clip);
    // the model analyzeVideo() loads by default, loaded once here so that no stage times its loading
    const model = await loadRunnableModel(DEFAULT_MODEL_JSON);
    const detector = YuNetDetector.default();
    // the first round keeps the decoded frames and every frame's faces (boxes, labels, track ids) for the stages
    // that take them as input: detect, classify, draw
    const frames = [], analysed = [];
    const times = { pipeline: [], decode: [], detect: [], classify: [], draw_encode: [] };
    const time = async (name, fn) => {
      const t0 = performance.now();
      await fn();
      times[name].push(performance.now() - t0);
    };
    for (let round = 0; round < rounds; round++) {
      const keep = round === 0;
      await time("pipeline", async () => {
        for await (const r of analyzeVideo(clip, { model, info, out: join(dir, "annotated.mp4") })) if (keep) analysed.push(r);
      });
      await time("decode", async () => {
        for await (const f of decodeFrames(info, WHOLE)) if (keep) frames.push(f);
      });
      if (keep && analysed.length !== frames.length) throw new Error(`analyzeVideo gave ${analysed.length} frames of ${frames.length}`);
      await time("detect", () => {
        for (const f of frames) detector.detect(f);
      });
      await time("classify", () => {
        for (const [i, f] of frames.entries()) classifyBoxes(model, f, analysed[i].faces.map((x) => x.box));
      });
      await time("draw_encode", async () => {
        const sink = startEncoder(join(dir, "drawn.mp4"), info, WHOLE);
        for (const [i, f] of frames.entries()) await sink.write(drawFrame(f, analysed[i].faces));
        await sink.close();
      });
    }
    const n = frames.length;
    const stages = {};
    for (const [name, ms] of Object.entries(times)) stages[name] = { ...stage(n, medianOf(ms)), rounds_fps: ms.map((t) => round(n / (t / 1000), 1)) };
    const parts = ["decode", "detect", "classify", "draw_encode"].reduce((s, k) => s + stages[k].ms_per_frame, 0);
    const faces = analysed.map((r) => r.faces.length);
    return {
      date: new Date().toISOString(),
      command: `${VIDEO_COMMAND}${quick ? " --quick" : ""}`,
      clip: { width: info.width, height: info.height, fps: info.fps, frames: n, seconds, codecs: codecsOf(clip), faces_per_frame: round(faces.reduce((a, b) => a + b, 0) / n, 2) },
      rounds,
      stages,
      sum_of_parts_ms_per_frame: round(parts),
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cpu_flags: cpuFlags(),
      relaxed_simd: relaxedSimdSupported(),
      note: `pipeline: analyzeVideo() on every frame with out (decode → YuNet → classify → draw → encode), the model loaded before; decode and draw_encode include FFmpeg's start and finish. FFmpeg's decoder and encoder are processes of their own, beside Node on the machine's ${os.cpus().length} cores. Medians of ${rounds} round(s), the first round's pipeline pass cold (V8 tiers the WASM up in it)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchVideo({ quick: process.argv.includes("--quick") }), null, 2));
}
