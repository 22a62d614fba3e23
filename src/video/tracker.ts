import { ArgumentError } from "../errors.js";
import { iou } from "../detect/yunet.js";

// Face tracks: each face of a frame gets the id of the track it continues, or a new one. A track's box is moved
// on by its velocity to the frame's time before matching, so a face that moves between analysed frames (or two
// faces crossing) still meets its own track. Pairs that overlap enough (IoU) rank first, then pairs merely near
// (centres within a box side, sizes alike) for faces that moved far between sparse frames; they are matched
// greedily, best first. A track missed for up to `memory` seconds keeps its id, so a face hidden for a moment
// comes back under it.

type Box = readonly [number, number, number, number];

export interface TrackerOptions {
  /** seconds a track lives unseen before its id is retired (default 1) */
  memory?: number;
  /** the overlap (IoU of the predicted track box and the face) from which a pair ranks as overlapping, in (0, 1] (default 0.3) */
  minIoU?: number;
}

export interface TrackInput {
  box: Box;
  /** five landmarks [x, y], when the detector gives them: refine the match where boxes overlap alike */
  landmarks?: readonly (readonly [number, number])[];
}

interface Track {
  id: number;
  box: Box;
  landmarks?: readonly (readonly [number, number])[];
  /** box centre velocity, pixels a second */
  vx: number;
  vy: number;
  time: number;
}

export class FaceTracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private lastTime = -Infinity;
  readonly memory: number;
  readonly minIoU: number;

  constructor(options: TrackerOptions = {}) {
    const { memory = 1, minIoU = 0.3 } = options;
    if (!(memory >= 0 && Number.isFinite(memory))) throw new ArgumentError(`FaceTracker: memory must be a number of seconds ≥ 0, found ${memory}`);
    if (!(minIoU > 0 && minIoU <= 1)) throw new ArgumentError(`FaceTracker: minIoU must be in (0, 1], found ${minIoU}`);
    this.memory = memory;
    this.minIoU = minIoU;
  }

  /** The track id of each face seen at `time` (seconds, increasing from call to call), in the faces' order. */
  update(faces: readonly TrackInput[], time: number): number[] {
    if (!(time > this.lastTime)) throw new ArgumentError(`FaceTracker.update: time must increase, found ${time} after ${this.lastTime}`);
    this.lastTime = time;
    this.tracks = this.tracks.filter((t) => time - t.time <= this.memory);
    const predicted = this.tracks.map((t) => shift(t.box, t.vx * (time - t.time), t.vy * (time - t.time)));
    const pairs: { t: number; f: number; score: number }[] = [];
    this.tracks.forEach((t, ti) => faces.forEach((f, fi) => {
      const overlap = iou(predicted[ti], f.box);
      // landmarks moved by the same velocity: a small share of the score, to order pairs that overlap alike
      const lm = t.landmarks && f.landmarks ? 0.25 * landmarkCloseness(t, f, time) : 0;
      if (overlap >= this.minIoU) pairs.push({ t: ti, f: fi, score: overlap + lm });
      else {
        // a face that moved far between two analysed frames (a large --every): near enough and of a like size, it
        // may still continue the track, ranked below every overlapping pair
        const near = nearness(predicted[ti], f.box);
        if (near > 0) pairs.push({ t: ti, f: fi, score: this.minIoU * near * 0.5 + lm * 0.1 });
      }
    }));
    pairs.sort((a, b) => b.score - a.score || a.t - b.t || a.f - b.f);
    const ids = new Array<number>(faces.length).fill(0);
    const taken = new Set<number>();
    for (const { t, f } of pairs) {
      if (taken.has(t) || ids[f] !== 0) continue;
      taken.add(t);
      ids[f] = this.tracks[t].id;
      this.follow(this.tracks[t], faces[f], time);
    }
    faces.forEach((f, i) => {
      if (ids[i] !== 0) return;
      ids[i] = this.nextId++;
      this.tracks.push({ id: ids[i], box: f.box, landmarks: f.landmarks, vx: 0, vy: 0, time });
    });
    return ids;
  }

  /** The ids of the tracks alive (seen within `memory` of the last update). */
  activeIds(): Set<number> {
    return new Set(this.tracks.map((t) => t.id));
  }

  private follow(t: Track, f: TrackInput, time: number): void {
    const dt = time - t.time;
    const [cx0, cy0] = centre(t.box), [cx1, cy1] = centre(f.box);
    // half the new step, half the old velocity: steady under a jittery detector, quick to follow a turn
    t.vx = 0.5 * t.vx + 0.5 * ((cx1 - cx0) / dt);
    t.vy = 0.5 * t.vy + 0.5 * ((cy1 - cy0) / dt);
    t.box = f.box;
    t.landmarks = f.landmarks;
    t.time = time;
  }
}

/** 1 at the same centre, falling to 0 at a distance of one box side; 0 when the sides differ by more than 1.5×. */
function nearness(a: Box, b: Box): number {
  const sa = Math.sqrt(a[2] * a[3]), sb = Math.sqrt(b[2] * b[3]);
  if (Math.max(sa, sb) > 1.5 * Math.min(sa, sb)) return 0;
  const [ax, ay] = centre(a), [bx, by] = centre(b);
  return Math.max(0, 1 - Math.hypot(ax - bx, ay - by) / Math.max(sa, sb));
}

function centre([x, y, w, h]: Box): [number, number] {
  return [x + w / 2, y + h / 2];
}

function shift([x, y, w, h]: Box, dx: number, dy: number): Box {
  return [x + dx, y + dy, w, h];
}

/** 1 where the face's landmarks lie on the track's (moved on to `time`), falling to 0 at a mean distance of half the box's side. */
function landmarkCloseness(t: Track, f: TrackInput, time: number): number {
  const dx = t.vx * (time - t.time), dy = t.vy * (time - t.time);
  const a = t.landmarks!, b = f.landmarks!;
  const n = Math.min(a.length, b.length);
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.hypot(a[i][0] + dx - b[i][0], a[i][1] + dy - b[i][1]);
  const side = Math.sqrt(t.box[2] * t.box[3]) || 1;
  return Math.max(0, 1 - sum / n / (side / 2));
}
