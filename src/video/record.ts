import type { RecognizedFace } from "../recognize.js";
import type { VideoFrameResult } from "./analyze.js";

// The JSON of a result line, shared by `resezap video --jsonl` and the queue's workers, so that both write the same
// fields in the same order.

/** A face's fields, in the order they are written. */
export function faceRecord({ box, score, landmarks, label, probabilities }: RecognizedFace) {
  return { box, score, landmarks, label, probabilities };
}

/** A `resezap video --jsonl` line: time, frame, and each face with its track id first. */
export function frameRecord(r: VideoFrameResult) {
  return { time: r.time, frame: r.frame, faces: r.faces.map((f) => ({ track: f.track, ...faceRecord(f) })) };
}
