// The video module's parts that need no FFmpeg: face tracks on synthetic boxes, smoothing against a hand
// computation, per-track totals, the timeline picture, the progress line and the checks of analyzeVideo's options.
import { describe, expect, it } from "vitest";
import { FaceTracker } from "../src/video/tracker.js";
import { argmaxLabel, ProbabilitySmoother } from "../src/video/smooth.js";
import { formatSummary, TrackSummary } from "../src/video/summary.js";
import { timelinePng } from "../src/video/timeline.js";
import { progressLine } from "../src/video/progress.js";
import { videoPlan } from "../src/video/analyze.js";
import { decodePng } from "../src/image/png.js";
import { colorOf } from "../src/draw-colors.js";

type B = [number, number, number, number];
const box = (x: number, y = 50, s = 60): B => [x, y, s, s];

describe("FaceTracker", () => {
  it("keeps one id for a face moving a few pixels a frame, and gives a second face another", () => {
    const t = new FaceTracker();
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const [a, b] = t.update([{ box: box(10 + 6 * i) }, { box: box(400 - 5 * i, 200) }], i / 10);
      seen.add(`${a},${b}`);
    }
    expect([...seen]).toEqual(["1,2"]);
  });

  it("follows two faces crossing: each keeps its id after they swap places between two frames", () => {
    // A moves right and B left, 20 px a frame, B 4 px lower; between frames 4 and 5 they pass each other (A from
    // x = 90 to 110, B from 110 to 90), so after it each face overlaps the other's last box more than its own:
    // only the tracks' velocities tell them apart.
    const t = new FaceTracker();
    const ids: number[][] = [];
    for (let i = 0; i <= 12; i++) ids.push(t.update([{ box: box(10 + 20 * i) }, { box: box(190 - 20 * i, 54) }], i));
    expect(ids.every((p) => p[0] === 1 && p[1] === 2), JSON.stringify(ids)).toBe(true);
  });

  it("a face that moved far between sparse frames continues its track when near and of a like size; one further away, or of another size, is new", () => {
    // 45 px on a 60 px box: IoU 0.14, under the overlap threshold
    const t = new FaceTracker();
    expect(t.update([{ box: box(100) }], 0)).toEqual([1]);
    expect(t.update([{ box: box(55) }], 0.5)).toEqual([1]);
    const u = new FaceTracker();
    u.update([{ box: box(100) }], 0);
    expect(u.update([{ box: box(170) }], 0.5)).toEqual([2]); // 70 px: more than a side away
    const v = new FaceTracker();
    v.update([{ box: box(100) }], 0);
    expect(v.update([{ box: box(60, 20, 130) }], 0.5)).toEqual([2]); // around it (IoU 0.21) but over twice its size
  });

  it("a face missed for a few frames within the memory keeps its id; longer, it gets a new one", () => {
    const t = new FaceTracker({ memory: 0.5 });
    const seq = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    const first = seq(0, 5).map((i) => t.update([{ box: box(100) }], i / 10)[0]);
    for (const i of seq(5, 9)) expect(t.update([], i / 10)).toEqual([]); // unseen 0.4 s (4 frames)
    const back = t.update([{ box: box(100) }], 0.9)[0];
    expect(first).toEqual([1, 1, 1, 1, 1]);
    expect(back).toBe(1);
    for (const i of seq(10, 16)) t.update([], i / 10); // unseen 0.6 s, past the memory
    expect(t.update([{ box: box(100) }], 1.6)).toEqual([2]);
    expect([...t.activeIds()]).toEqual([2]);
  });

  it("a new face gets the next id, the others keep theirs, and ids are never reused", () => {
    const t = new FaceTracker({ memory: 1 });
    expect(t.update([{ box: box(0) }, { box: box(200) }], 0)).toEqual([1, 2]);
    expect(t.update([{ box: box(400) }, { box: box(202) }, { box: box(2) }], 1)).toEqual([3, 2, 1]);
    expect(t.update([{ box: box(800) }], 2)).toEqual([4]);
  });

  it("landmarks decide between two tracks the face overlaps alike", () => {
    const lm = (x: number): [number, number][] => [[x + 30, 30], [x + 70, 30], [x + 50, 55], [x + 35, 75], [x + 65, 75]];
    const run = (withLandmarks: boolean) => {
      const t = new FaceTracker({ memory: 5 });
      t.update([{ box: [0, 0, 100, 100], landmarks: withLandmarks ? lm(0) : undefined }, { box: [50, 0, 100, 100], landmarks: withLandmarks ? lm(50) : undefined }], 0);
      // halfway between the two boxes (IoU 0.6 with each), its features where the second face's were
      return t.update([{ box: [25, 0, 100, 100], landmarks: withLandmarks ? lm(48) : undefined }], 1)[0];
    };
    expect(run(true)).toBe(2);
    expect(run(false)).toBe(1);
  });

  it("refuses a time that does not increase and options out of range, naming them", () => {
    const t = new FaceTracker();
    t.update([], 1);
    expect(() => t.update([], 1)).toThrow(/FaceTracker\.update: time must increase, found 1 after 1/);
    // each at its edges: the last valid value taken, the first invalid refused
    expect(new FaceTracker({ memory: 0 }).memory).toBe(0);
    expect(() => new FaceTracker({ memory: -0.0001 })).toThrow(/memory must be a number of seconds ≥ 0, found -0\.0001/);
    expect(() => new FaceTracker({ memory: Infinity })).toThrow(/memory must be a number of seconds ≥ 0, found Infinity/);
    expect(new FaceTracker({ minIoU: 1 }).minIoU).toBe(1);
    expect(new FaceTracker({ minIoU: 0.0001 }).minIoU).toBe(0.0001);
    for (const v of [0, 1.0001]) expect(() => new FaceTracker({ minIoU: v })).toThrow(`FaceTracker: minIoU must be in (0, 1], found ${v}`);
  });
});

describe("ProbabilitySmoother", () => {
  it("matches the exponential smoothing computed by hand", () => {
    const s = new ProbabilitySmoother(0.5);
    const p = [{ happy: 0.9, sad: 0.1 }, { happy: 0.2, sad: 0.8 }, { happy: 0.6, sad: 0.4 }];
    expect(s.smooth(7, 0, p[0])).toEqual(p[0]);
    const a1 = 1 - Math.exp(-0.2 / 0.5), a2 = 1 - Math.exp(-0.3 / 0.5);
    const h1 = 0.9 + a1 * (0.2 - 0.9), h2 = h1 + a2 * (0.6 - h1);
    const r1 = s.smooth(7, 0.2, p[1]);
    expect(r1.happy).toBeCloseTo(h1, 14);
    expect(r1.sad).toBeCloseTo(1 - h1, 14);
    expect(s.smooth(7, 0.5, p[2]).happy).toBeCloseTo(h2, 14);
    // another track starts from its own first frame
    expect(s.smooth(8, 0.5, p[1])).toEqual(p[1]);
    expect(argmaxLabel({ happy: 0.3, sad: 0.5, fear: 0.2 })).toBe("sad");
  });

  it("depends on time, not on how often it is sampled: a step gives the same value at the same time", () => {
    const at = (dt: number) => {
      const s = new ProbabilitySmoother(0.4);
      s.smooth(1, 0, { happy: 1, sad: 0 });
      let r = {} as Record<string, number>;
      for (let k = 1; k * dt <= 1.2 + 1e-9; k++) r = s.smooth(1, k * dt, { happy: 0, sad: 1 });
      return r.happy;
    };
    expect(at(0.1)).toBeCloseTo(Math.exp(-1.2 / 0.4), 12);
    expect(at(0.3)).toBeCloseTo(at(0.1), 12);
  });

  it("0 leaves probabilities alone; forgotten tracks start afresh; a bad constant is refused", () => {
    const s = new ProbabilitySmoother(0);
    s.smooth(1, 0, { happy: 1 });
    expect(s.smooth(1, 0.1, { happy: 0.25 })).toEqual({ happy: 0.25 });
    const t = new ProbabilitySmoother(10);
    t.smooth(1, 0, { happy: 1 });
    t.keep(new Set([2]));
    expect(t.smooth(1, 0.1, { happy: 0.25 })).toEqual({ happy: 0.25 });
    // 0 (above) is the edge taken; just below it and infinity are refused
    for (const v of [-0.0001, Infinity]) expect(() => new ProbabilitySmoother(v)).toThrow(`smooth: the time constant must be a number of seconds ≥ 0, found ${v}`);
  });
});

describe("TrackSummary and the timeline", () => {
  const labels = ["angry", "happy", "sad"];
  const build = () => {
    const s = new TrackSummary(labels);
    s.add(0, 0.5, [{ track: 1, label: "happy" }, { track: 2, label: "sad" }]);
    s.add(0.5, 0.5, [{ track: 1, label: "happy" }]);
    s.add(1, 0.25, [{ track: 1, label: "angry" }, { track: 2, label: "sad" }]);
    return s;
  };

  it("time on screen is the sum of the spans; shares are of that time", () => {
    const [a, b] = build().totals();
    expect(a).toEqual({ track: 1, first: 0, last: 1, seconds: 1.25, frames: 3, shares: { angry: 0.2, happy: 0.8, sad: 0 } });
    expect(b).toEqual({ track: 2, first: 0, last: 1, seconds: 0.75, frames: 2, shares: { angry: 0, happy: 0, sad: 1 } });
    expect(formatSummary(build().totals()).split("\n")).toEqual([
      "track 1: 1.25 s on screen (0.00–1.00 s, 3 frames): happy 80.0%, angry 20.0%",
      "track 2: 0.75 s on screen (0.00–1.00 s, 2 frames): sad 100.0%",
    ]);
    expect(formatSummary([])).toBe("no faces");
  });

  it("the timeline paints each track's row in its label's colour over its spans, and nothing where it is absent", () => {
    const s = build();
    const img = decodePng(timelinePng(s.tracks(), s.labelNames, 0, 1.25));
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
    // rows are found by their colour along a column a quarter into the plot: track 1 happy, track 2 sad
    const columnAt = (share: number) => img.width - 8 - 720 + Math.floor(share * 720);
    const column = (x: number) => Array.from({ length: img.height }, (_, y) => px(x, y).join(","));
    const early = column(columnAt(0.2)), middle = column(columnAt(0.6)), late = column(columnAt(0.9));
    const has = (col: string[], c: number[]) => col.includes(c.join(","));
    expect(has(early, colorOf("happy")) && has(early, colorOf("sad"))).toBe(true);
    // between 0.5 and 1 s only track 1 is on screen, still happy
    expect(has(middle, colorOf("happy")) && !has(middle, colorOf("sad"))).toBe(true);
    // after 1 s: track 1 angry, track 2 sad
    expect(has(late, colorOf("angry")) && has(late, colorOf("sad")) && !has(late, colorOf("happy"))).toBe(true);
  });
});

describe("progress line", () => {
  it("shows frames done, frames a second and the time left; frames alone when the total is unknown", () => {
    expect(progressLine(50, 200, 2)).toBe("[######..................] 50/200 frames  25.0 frames/s  6 s left");
    expect(progressLine(10, NaN, 2)).toBe("10 frames  5.0 frames/s");
    expect(progressLine(100, 60_100, 1)).toMatch(/100\/60100 frames  100\.0 frames\/s  10 min 0 s left$/);
  });
});

describe("analyzeVideo's options, checked before FFmpeg starts", () => {
  it("each at its edges: every 1, from 0 and just before the end, to just after from are taken; one step past refused", () => {
    const info = { file: "clip.mkv", width: 320, height: 240, fps: 10, duration: 2, hasAudio: false };
    expect(videoPlan(info, { every: 1 }).total).toBe(20);
    expect(() => videoPlan(info, { every: 0 })).toThrow("every: expected an integer ≥ 1, found 0");
    expect(() => videoPlan(info, { every: 1.5 })).toThrow("every: expected an integer ≥ 1, found 1.5");
    expect(videoPlan(info, { from: 0 }).from).toBe(0);
    expect(() => videoPlan(info, { from: -0.0001 })).toThrow("from: expected seconds ≥ 0, found -0.0001");
    expect(videoPlan(info, { from: 1.9 }).total).toBe(1);
    expect(videoPlan(info, { from: 1.9999 }).total).toBe(0); // past the last frame's start, not the end: no frame
    expect(() => videoPlan(info, { from: 2 })).toThrow("from: 2 s is past the end of clip.mkv (2 s)");
    expect(videoPlan(info, { from: 1, to: 1.0001 }).to).toBe(1.0001);
    expect(() => videoPlan(info, { from: 1, to: 1 })).toThrow("to: expected seconds after from (1), found 1");
  });
});
