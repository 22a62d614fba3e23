// `resezap video` and analyzeVideo() on a clip made here with FFmpeg from two fixture photos: 2 s at 10 frames a
// second, 320×240, two faces moving towards each other 3 px a frame, a 440 Hz tone; lossless (FFV1 in Matroska),
// so the frames FFmpeg decodes independently are the very frames the command saw. Skips, saying so, without FFmpeg.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tempDir } from "./temp-dir.js";
import { analyzeVideo, type VideoFrameResult } from "../src/video/analyze.js";
import { probeVideo } from "../src/video/ffmpeg.js";
import { decodeFrames } from "../src/video/decode.js";
import { recognize } from "../src/recognize.js";
import { YuNetDetector } from "../src/detect/yunet.js";
import { loadRunnableModel } from "../src/quant/saved.js";
import { DEFAULT_MODEL_JSON } from "../src/paths.js";
import { decodePng } from "../src/image/png.js";
import type { Model } from "../src/model.js";
import { runCli } from "../src/cli/main.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";

// the CLI runs the relaxed-SIMD build where the engine has it: so does this process, for the same bits of the
// quantized model (its builds differ by a rounding of 12 bits now and then)
await enableRelaxedSimd();

const ROOT = new URL("..", import.meta.url).pathname;
const HAS_FFMPEG = !spawnSync("ffmpeg", ["-version"]).error && !spawnSync("ffprobe", ["-version"]).error;
const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), "video", ...args], { cwd: ROOT, encoding: "utf8", env });
const ffmpeg = (...args: string[]) => {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const ffprobe = (file: string) => JSON.parse(spawnSync("ffprobe", ["-v", "error", "-count_frames", "-print_format", "json", "-show_streams", file], { encoding: "utf8" }).stdout);

const W = 320, H = 240, FPS = 10, FRAMES = 20;
const dir = tempDir("video");
const clip = join(dir, "clip.mkv");

interface Line { time: number; frame: number; faces: { track: number; box: number[]; score: number; landmarks: number[][]; label: string; probabilities: Record<string, number> }[] }
const readLines = (file: string): Line[] => readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));

if (!HAS_FFMPEG) {
  // a skipped test named with the reason, so the run's summary says why
  it.skip("ffmpeg not installed: skipped (Debian: apt-get install ffmpeg)", () => {});
}

describe.skipIf(!HAS_FFMPEG)("resezap video", () => {
  let frames: Uint8Array[] = [];
  let model: Awaited<ReturnType<typeof loadRunnableModel>>;

  beforeAll(async () => {
    ffmpeg(
      "-f", "lavfi", "-i", `color=c=0x808080:s=${W}x${H}:r=${FPS}:d=2`,
      "-i", join(ROOT, "fixtures/faces/astronaut.png"), "-i", join(ROOT, "fixtures/faces/biden.png"),
      "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
      "-filter_complex", "[1]crop=140:160:150:40,scale=100:114[a];[2]crop=200:240:165:50,scale=90:108[b];[0][a]overlay=x='10+3*n':y=60[t];[t][b]overlay=x='220-3*n':y=70[v]",
      "-map", "[v]", "-map", "3", "-c:v", "ffv1", "-c:a", "flac", "-t", "2", clip,
    );
    // every frame, decoded by FFmpeg on its own
    const raw = ffmpeg("-i", clip, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1");
    frames = Array.from({ length: raw.length / (W * H * 3) }, (_, i) => new Uint8Array(raw.subarray(i * W * H * 3, (i + 1) * W * H * 3)));
    model = await loadRunnableModel(DEFAULT_MODEL_JSON) /* as the CLI runs it: quantized */;
  });

  const expected = (i: number) => recognize({ data: frames[i], width: W, height: H, channels: 3 }, { model, detector: YuNetDetector.default() });

  it("the clip is what the tests assume", async () => {
    expect(frames).toHaveLength(FRAMES);
    expect(await probeVideo(clip)).toEqual({ file: clip, width: W, height: H, fps: FPS, duration: 2, hasAudio: true });
  });

  it("writes a JSON line per analysed frame, the faces recognize() finds on that frame, with tracks; --out keeps frames, rate and audio; --summary; --timeline", () => {
    const jsonl = join(dir, "frames.jsonl"), out = join(dir, "out.mp4"), png = join(dir, "timeline.png");
    const r = cli([clip, "--every", "3", "--jsonl", jsonl, "--out", out, "--summary", "--timeline", png]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(""); // no progress when stderr is not a terminal
    const lines = readLines(jsonl);
    expect(lines.map((l) => l.frame)).toEqual([0, 3, 6, 9, 12, 15, 18]);
    expect(lines.map((l) => l.time)).toEqual([0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8]);
    for (const l of lines) {
      const want = expected(l.frame);
      expect(l.faces.map((f) => f.box), `frame ${l.frame}`).toEqual(want.map((f) => f.box));
      l.faces.forEach((f, k) => {
        expect(f.label).toBe(want[k].label);
        expect(f.score).toBeCloseTo(want[k].score!, 4);
        for (const [name, p] of Object.entries(want[k].probabilities)) expect(f.probabilities[name]).toBeCloseTo(p, 4);
        f.landmarks.forEach(([x, y], j) => (expect(x).toBeCloseTo(want[k].landmarks![j][0], 2), expect(y).toBeCloseTo(want[k].landmarks![j][1], 2)));
      });
    }
    // the left face (moving right) keeps one id, the right face another, in every frame
    const byX = lines.map((l) => [...l.faces].sort((a, b) => a.box[0] - b.box[0]).map((f) => f.track));
    expect(new Set(byX.map((ids) => ids.join(",")))).toEqual(new Set(["1,2"]));
    // the left face's box moves right frame after frame, as the clip's face does (3 px a frame)
    const left = lines.map((l) => Math.min(...l.faces.map((f) => f.box[0])));
    expect(left[6] - left[0]).toBeGreaterThan(40);

    const streams = ffprobe(out).streams as { codec_type: string; avg_frame_rate: string; nb_read_frames?: string; width?: number }[];
    const video = streams.find((s) => s.codec_type === "video")!;
    expect(video.nb_read_frames).toBe(String(FRAMES));
    expect(video.avg_frame_rate).toBe(`${FPS}/1`);
    expect(video.width).toBe(W);
    expect(streams.some((s) => s.codec_type === "audio")).toBe(true);

    // each face is on screen for the whole 2 s, under the labels of its analysed frames
    const summary = r.stdout.trimEnd().split("\n");
    expect(summary).toHaveLength(2);
    for (const [k, line] of summary.entries()) {
      const labels = lines.map((l) => l.faces.find((f) => f.track === k + 1)!.label);
      const top = [...new Set(labels)].sort((a, b) => labels.filter((x) => x === b).length - labels.filter((x) => x === a).length)[0];
      expect(line).toMatch(new RegExp(`^track ${k + 1}: 2\\.00 s on screen \\(0\\.00–1\\.80 s, 7 frames\\): ${top} `));
    }
    const img = decodePng(readFileSync(png));
    expect(img.width).toBeGreaterThan(700);
  });

  it("the API yields the same faces recognize() gives, exactly; --smooth is the exponential average of them over time", async () => {
    const plain: VideoFrameResult[] = [], smoothed: VideoFrameResult[] = [];
    for await (const r of analyzeVideo(clip, { every: 4, model })) plain.push(r);
    for await (const r of analyzeVideo(clip, { every: 4, model, smooth: 0.3 })) smoothed.push(r);
    expect(plain.map((r) => [r.frame, r.time, r.span])).toEqual([[0, 0, 0.4], [4, 0.4, 0.4], [8, 0.8, 0.4], [12, 1.2, 0.4], [16, 1.6, 0.4]]);
    for (const r of plain) {
      const want = expected(r.frame);
      expect(r.faces.map(({ track: _, ...f }) => f)).toEqual(want);
    }
    // by hand: s0 = p0; s_k = s_(k−1) + (1 − e^(−Δt/τ)) (p_k − s_(k−1)), per track
    const state = new Map<number, Record<string, number>>();
    plain.forEach((r, k) => r.faces.forEach((f, j) => {
      const prev = state.get(f.track);
      const a = 1 - Math.exp(-0.4 / 0.3);
      const s = prev ? Object.fromEntries(Object.entries(f.probabilities).map(([n, p]) => [n, prev[n] + a * (p - prev[n])])) : f.probabilities;
      state.set(f.track, s);
      const got = smoothed[k].faces[j];
      expect(got.track).toBe(f.track);
      expect(got.box).toEqual(f.box);
      for (const n of Object.keys(s)) expect(got.probabilities[n]).toBeCloseTo(s[n], 12);
      expect(got.label).toBe(Object.entries(s).sort((x, y) => y[1] - x[1])[0][0]);
    }));
  });

  it("from and to analyse the frames between, numbered and timed from the file's start", async () => {
    // between frames: from the first frame at or after 0.55 s (frame 6) to the last before 1.45 s (frame 14)
    const part: VideoFrameResult[] = [];
    for await (const r of analyzeVideo(clip, { from: 0.55, to: 1.45, every: 2, model })) part.push(r);
    expect(part.map((r) => [r.frame, r.time])).toEqual([[6, 0.6], [8, 0.8], [10, 1], [12, 1.2], [14, 1.4]]);
    expect(part.at(-1)!.span).toBe(0.1);
    for (const r of part) expect(r.faces.map((f) => f.box), `frame ${r.frame}`).toEqual(expected(r.frame).map((f) => f.box));
  });

  it("the decoder waits for its reader: a pause after the first frame leaves no frames piling up in memory", async () => {
    // 60 frames of 640×480 (55 MB as RGB): without backpressure FFmpeg would pour them into memory while the
    // reader waits
    const big = join(dir, "big.mkv");
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30:duration=2", "-c:v", "libx264", "-preset", "ultrafast", big);
    const info = await probeVideo(big);
    for await (const f of decodeFrames(info, { from: 0, to: Infinity })) {
      expect(f.data.length).toBe(640 * 480 * 3);
      const before = process.memoryUsage().arrayBuffers;
      await new Promise((r) => setTimeout(r, 400));
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
      break;
    }
  });

  it("stopping early stops FFmpeg: a break ends the loop at once and leaves no process behind", async () => {
    const out = join(dir, "stopped.mkv");
    let n = 0;
    for await (const r of analyzeVideo(clip, { model, out })) {
      expect(r.frame).toBe(0);
      if (++n === 1) break;
    }
    const left = spawnSync("pgrep", ["-f", `ffmpeg.*${dir}`], { encoding: "utf8" });
    expect(left.stdout.trim()).toBe("");
  });

  describe("bad input: exit 1, one line naming the file or option", () => {
    const notVideo = join(dir, "notes.mp4"), tone = join(dir, "tone.wav");
    const simd = process.env.RESEZAP_SIMD;
    beforeAll(() => {
      writeFileSync(notVideo, "hello, not a video");
      ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=0.2", tone);
      // runCli in this process: keep V8's flags (and so the other tests' kernels) as they are
      process.env.RESEZAP_SIMD = "plain";
    });
    afterAll(() => {
      if (simd === undefined) delete process.env.RESEZAP_SIMD;
      else process.env.RESEZAP_SIMD = simd;
    });
    // the CLI's own error path (runCli prints the line and returns the exit status), in this process to save
    // a Node start a case; the two cases after these run dist/cli.js as a user does
    const cases: [string, () => string[], RegExp][] = [
      ["missing file", () => ["nowhere.mp4"], /^resezap: nowhere\.mp4: cannot read \(ENOENT\)$/],
      ["no video stream", () => [tone], /^resezap: .*tone\.wav: no video stream \(FFmpeg finds audio\)$/],
      ["no file", () => [], /^resezap: video: expected one video file, found 0$/],
      ["--every 0", () => [clip, "--every", "0"], /^resezap: video: --every must be an integer ≥ 1, found "0"$/],
      ["--from negative", () => [clip, "--from", "-1"], /^resezap: video: --from must be a number of seconds ≥ 0, found "-1"$/],
      ["--to before --from", () => [clip, "--from", "1", "--to", "0.5"], /^resezap: video: --to must be seconds after --from \(1\), found "0\.5"$/],
      ["--from past the end", () => [clip, "--from", "5"], /^resezap: from: 5 s is past the end of .*clip\.mkv \(2 s\)$/],
      ["--smooth not a number", () => [clip, "--smooth", "lots"], /^resezap: video: --smooth must be a number of seconds ≥ 0, found "lots"$/],
      ["--out not a video name", () => [clip, "--out", join(dir, "o.txt")], /^resezap: video: --out .*o\.txt: name the video \.mp4, /],
      ["--out in a missing folder", () => [clip, "--out", "/nonexistent/o.mp4"], /^resezap: video: --out \/nonexistent\/o\.mp4: the folder \/nonexistent does not exist$/],
      ["--out is the input", () => [clip, "--jsonl", clip], /^resezap: video: --jsonl .*clip\.mkv is the input video$/],
      ["--jsonl a folder", () => [clip, "--every", "10", "--jsonl", dir], /^resezap: video: --jsonl .*: cannot write \(EISDIR\)$/],
      ["--timeline not .png", () => [clip, "--timeline", "t.jpg"], /^resezap: video: --timeline t\.jpg: the picture is written as PNG; name it \.png$/],
      ["--summary with --jsonl -", () => [clip, "--summary", "--jsonl", "-"], /^resezap: video: --summary and --jsonl - would both write on stdout/],
      ["a Haar option", () => [clip, "--min-neighbors", "3"], /^resezap: video: unknown option --min-neighbors/],
    ];
    for (const [what, args, re] of cases) {
      it(what, async () => {
        const errors: string[] = [];
        const spy = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void errors.push(a.join(" ")));
        const status = await runCli(["video", ...args()]).finally(() => spy.mockRestore());
        expect(status, errors.join("\n")).toBe(1);
        expect(errors.join("\n").split("\n"), errors.join("\n")).toHaveLength(1);
        expect(errors[0]).toMatch(re);
      });
    }

    it("a file FFmpeg cannot read (dist/cli.js)", () => {
      const r = cli([notVideo]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trimEnd()).toMatch(/^resezap: .*notes\.mp4: FFmpeg cannot read it \([^\n]+\)$/);
    });

    it("no ffmpeg on the PATH (dist/cli.js)", () => {
      const r = cli([clip], { ...process.env, PATH: "/nonexistent" });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toBe("resezap: ffmpeg not found on the PATH: install FFmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)\n");
    });
  });

  it("--help lists every option of the table", () => {
    const r = cli(["--help"]);
    expect(r.status).toBe(0);
    for (const o of ["out", "jsonl", "every", "from", "to", "smooth", "track-memory", "summary", "timeline", "model"]) expect(r.stdout).toMatch(new RegExp(`^\\s+--${o}\\b.*\\(default: [^)]+\\)$`, "m"));
  });
});
