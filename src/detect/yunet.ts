import { ArgumentError, ImageError, LimitError, ModelFormatError, ResezapError } from "../errors.js";
import { channelsOf } from "../image/grey.js";
import { areaWeights } from "../image/resize.js";
import type { ImageLike } from "../image/types.js";
import { LIMITS } from "../limits.js";
import type { Model } from "../model.js";
import type { OutputLayout } from "../onnx/convert.js";
import { onnxModelFromBytes, type OnnxModel } from "../onnx/model.js";
import { readPackageFile } from "../util/package-file.js";

// YuNet (OpenCV Model Zoo, MIT; models/yunet/), the CNN face detector, on this engine, decoded as OpenCV's
// FaceDetectorYN does: the frame as BGR 0–255 padded right and bottom to multiples of 32; at each stride s of
// 8, 16, 32 and each cell (row r, column c) of its grid, score = √(cls·obj) (each clamped to [0, 1]), box centre
// ((c + b0)·s, (r + b1)·s), size (e^b2·s, e^b3·s), landmark k ((k2k + c)·s, (k2k+1 + r)·s); scores at or above the
// threshold, then non-maximum suppression. decodeYuNet() is the decoding alone, so the tests apply the very same
// one to ONNX Runtime's outputs.

export const YUNET_FILE = "face_detection_yunet.onnx";
const STRIDES = [8, 16, 32] as const;

/** A face found by YuNet: its box [x, y, w, h], its score, and five landmarks [x, y]: right eye, left eye, nose tip, right and left mouth corners. */
export interface DetectedFace {
  box: [number, number, number, number];
  score: number;
  landmarks: [number, number][];
}

export interface YuNetOptions {
  /** faces scoring below are dropped (OpenCV's default 0.9) */
  scoreThreshold?: number;
  /** boxes overlapping a better one by more than this IoU are dropped (0.3) */
  nmsThreshold?: number;
  /** at most this many boxes go into the suppression, best first (5000) */
  topK?: number;
  /**
   * Scan a copy of the frame whose longest side is this many pixels (boxes mapped back), for speed; default the
   * frame as it is. A frame already smaller is not enlarged.
   */
  longestSide?: number;
}

const DEFAULTS = { scoreThreshold: 0.9, nmsThreshold: 0.3, topK: 5000 };

/** The options with their defaults, each checked (one line naming the option when out of range). */
export function resolveYuNetOptions(o: YuNetOptions): Required<Omit<YuNetOptions, "longestSide">> & { longestSide?: number } {
  // an option given as undefined takes its default
  const r = { ...DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & YuNetOptions;
  const unit = (v: unknown, what: string) => {
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new ArgumentError(`${what}: expected a number in [0, 1], found ${v}`);
  };
  unit(r.scoreThreshold, "scoreThreshold");
  unit(r.nmsThreshold, "nmsThreshold");
  if (!Number.isInteger(r.topK) || r.topK < 1) throw new ArgumentError(`topK: expected an integer ≥ 1, found ${r.topK}`);
  if (r.longestSide !== undefined && (!Number.isInteger(r.longestSide) || r.longestSide < 32 || r.longestSide > LIMITS.maxImageSide)) {
    throw new ArgumentError(`longestSide: expected an integer in 32..${LIMITS.maxImageSide}, found ${r.longestSide}`);
  }
  return r;
}

/** YuNet's twelve outputs by name ("cls_8", "obj_16", "bbox_32", "kps_8", …), each [anchors·k] for its stride. */
export type YuNetOutputs = Record<string, ArrayLike<number>>;

/**
 * Faces from YuNet's raw outputs for an input of height × width (multiples of 32), in that input's pixels, best
 * first, after the threshold and non-maximum suppression.
 */
export function decodeYuNet(outputs: YuNetOutputs, height: number, width: number, options: YuNetOptions = {}): DetectedFace[] {
  const o = resolveYuNetOptions(options);
  const found: DetectedFace[] = [];
  for (const s of STRIDES) {
    const cols = width / s, rows = height / s, n = rows * cols;
    const get = (k: string, per: number) => {
      const v = outputs[`${k}_${s}`];
      if (!v || v.length !== n * per) throw new ModelFormatError(`YuNet output ${k}_${s}: expected ${n * per} values for a ${width}×${height} input, found ${v?.length ?? "none"}`);
      return v;
    };
    const cls = get("cls", 1), obj = get("obj", 1), bbox = get("bbox", 4), kps = get("kps", 10);
    for (let i = 0; i < n; i++) {
      const score = Math.sqrt(clamp01(cls[i]) * clamp01(obj[i]));
      if (!(score >= o.scoreThreshold)) continue;
      const r = Math.floor(i / cols), c = i - r * cols;
      const cx = (c + bbox[4 * i]) * s, cy = (r + bbox[4 * i + 1]) * s;
      const w = Math.exp(bbox[4 * i + 2]) * s, h = Math.exp(bbox[4 * i + 3]) * s;
      const landmarks: [number, number][] = [];
      for (let k = 0; k < 5; k++) landmarks.push([(kps[10 * i + 2 * k] + c) * s, (kps[10 * i + 2 * k + 1] + r) * s]);
      found.push({ box: [cx - w / 2, cy - h / 2, w, h], score, landmarks });
    }
  }
  return suppress(found, o.nmsThreshold, o.topK);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Greedy non-maximum suppression, best score first (stable for equal scores), over the topK best. */
function suppress(faces: DetectedFace[], iouThreshold: number, topK: number): DetectedFace[] {
  const order = faces.map((f, i) => ({ f, i })).sort((a, b) => b.f.score - a.f.score || a.i - b.i).slice(0, topK).map((x) => x.f);
  const kept: DetectedFace[] = [];
  for (const f of order) if (kept.every((k) => iou(k.box, f.box) <= iouThreshold)) kept.push(f);
  return kept;
}

export function iou(a: readonly number[], b: readonly number[]): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** The sizes of a frame's YuNet input: the frame shrunk by `scale` (scaledWidth × scaledHeight), then padded to multiples of 32. */
export interface YuNetInputSize {
  height: number;
  width: number;
  scaledWidth: number;
  scaledHeight: number;
}

/** Checks the frame and gives the size of its YuNet input at `scale`. */
export function yunetInputSize(frame: ImageLike, scale = 1): YuNetInputSize {
  const { width: W, height: H } = frame;
  if (!(W > 0 && H > 0)) throw new ImageError(`frame: expected a non-empty image, found ${W}×${H}`);
  // the size the frame claims, before its data is looked at: the same limit and error as the Haar detector's frames
  if (W > LIMITS.maxImageSide || H > LIMITS.maxImageSide || W * H > LIMITS.maxImagePixels) {
    throw new LimitError(`frame: ${W}×${H}, over the limit of ${LIMITS.maxImageSide} px a side and ${LIMITS.maxImagePixels} pixels`);
  }
  channelsOf(frame, "frame");
  const sw = Math.max(1, Math.round(W * scale)), sh = Math.max(1, Math.round(H * scale));
  return { height: Math.ceil(sh / 32) * 32, width: Math.ceil(sw / 32) * 32, scaledWidth: sw, scaledHeight: sh };
}

/**
 * The frame as YuNet's input: BGR 0–255, NHWC, [⌈h/32⌉·32, ⌈w/32⌉·32, 3], zeros right and bottom. With
 * `scale` < 1 the frame is first shrunk to round(w·scale) × round(h·scale) by area averaging (separable: rows,
 * then columns).
 */
export function yunetInput(frame: ImageLike, scale = 1): YuNetInputSize & { data: Float32Array } {
  const size = yunetInputSize(frame, scale);
  const data = new Float32Array(size.height * size.width * 3);
  fillYunetInput(frame, size, data);
  return { ...size, data };
}

/** Writes the frame's YuNet input of `size` (from yunetInputSize) into `data`, every value of it. */
function fillYunetInput(frame: ImageLike, size: YuNetInputSize, data: Float32Array): void {
  const ch = channelsOf(frame, "frame");
  const { width: W, height: H } = frame;
  const { scaledWidth: sw, scaledHeight: sh, width: pw } = size;
  const src = frame.data;
  // B, G, R at source offsets 2, 1, 0 (grey: 0, 0, 0)
  const ob = ch === 1 ? 0 : 2, og = ch === 1 ? 0 : 1;
  if (sw === W && sh === H) {
    if (ch === 4 && LITTLE_ENDIAN && (src instanceof Uint8Array || src instanceof Uint8ClampedArray) && src.byteOffset % 4 === 0) {
      // RGBA bytes read as one u32 a pixel: a third faster than three byte loads (0.65 vs 0.91 ms at 640×480)
      const px = new Uint32Array(src.buffer, src.byteOffset, W * H);
      for (let y = 0; y < H; y++) {
        let s = y * W, d = y * pw * 3;
        for (let x = 0; x < W; x++, s++, d += 3) {
          const v = px[s];
          data[d] = (v >>> 16) & 255;
          data[d + 1] = (v >>> 8) & 255;
          data[d + 2] = v & 255;
        }
        data.fill(0, y * pw * 3 + W * 3, (y + 1) * pw * 3);
      }
      data.fill(0, H * pw * 3);
      return;
    }
    for (let y = 0; y < H; y++) {
      let s = y * W * ch, d = y * pw * 3;
      for (let x = 0; x < W; x++, s += ch, d += 3) {
        data[d] = src[s + ob];
        data[d + 1] = src[s + og];
        data[d + 2] = src[s];
      }
      data.fill(0, y * pw * 3 + W * 3, (y + 1) * pw * 3);
    }
    data.fill(0, H * pw * 3);
    return;
  }
  // rows first: each source row to sw BGR pixels, then each output row from the rows it covers
  // the taps of src/image/resize.ts's area averaging (an index past the edge, by rounding, is read as the edge)
  const tx = areaWeights(0, W / sw, sw), ty = areaWeights(0, H / sh, sh);
  if (rowsScratch.length < H * sw * 3) rowsScratch = new Float32Array(H * sw * 3);
  const rowsBuf = rowsScratch;
  for (let y = 0; y < H; y++) {
    const base = y * W * ch;
    for (let x = 0; x < sw; x++) {
      let b = 0, g = 0, r = 0;
      for (let k = tx.off[x]; k < tx.off[x + 1]; k++) {
        const s = base + Math.min(tx.idx[k], W - 1) * ch, wk = tx.w[k];
        b += src[s + ob] * wk;
        g += src[s + og] * wk;
        r += src[s] * wk;
      }
      const d = (y * sw + x) * 3;
      rowsBuf[d] = b;
      rowsBuf[d + 1] = g;
      rowsBuf[d + 2] = r;
    }
  }
  data.fill(0);
  for (let y = 0; y < sh; y++) {
    const d0 = y * pw * 3;
    for (let k = ty.off[y]; k < ty.off[y + 1]; k++) {
      const s0 = Math.min(ty.idx[k], H - 1) * sw * 3, wk = ty.w[k];
      for (let i = 0; i < sw * 3; i++) data[d0 + i] += rowsBuf[s0 + i] * wk;
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The rows pass's buffer, kept between frames (grown when a larger frame needs it). */
let rowsScratch = new Float32Array(0);

/** YuNet on this engine: its program compiled once for each padded input size met. */
export class YuNetDetector {
  constructor(readonly onnx: OnnxModel) {
    const names = new Set(onnx.outputNames);
    const missing = STRIDES.flatMap((s) => ["cls", "obj", "bbox", "kps"].map((k) => `${k}_${s}`)).filter((n) => !names.has(n));
    if (missing.length || onnx.inputDims.length !== 4 || onnx.inputDims[1] !== 3) {
      throw new ModelFormatError(`${onnx.graph.file}: not a YuNet model (expected an input [1, 3, H, W] and outputs cls, obj, bbox, kps at strides 8, 16, 32${missing.length ? `; missing ${missing.slice(0, 3).join(", ")}` : ""})`);
    }
  }

  /** From the bytes of a YuNet .onnx file. */
  static fromBytes(bytes: Uint8Array, file = YUNET_FILE): YuNetDetector {
    return new YuNetDetector(onnxModelFromBytes(bytes, file));
  }

  /** The model shipped in the package (models/yunet/), read with node:fs; in browsers fetch yunetUrl() and use fromBytes. */
  static default(): YuNetDetector {
    return (defaultDetector ??= YuNetDetector.fromBytes(
      readPackageFile({ url: yunetUrl(), file: YUNET_FILE, what: "YuNet", kind: "model", instead: `fetch ${YUNET_FILE} and use YuNetDetector.fromBytes` }),
      YUNET_FILE,
    ));
  }

  /** Faces in a frame (RGBA, RGB or grey), best first, boxes and landmarks in the frame's pixels. */
  detect(frame: ImageLike, options: YuNetOptions = {}): DetectedFace[] {
    const o = resolveYuNetOptions(options);
    const longest = Math.max(frame.width, frame.height);
    const scale = o.longestSide !== undefined && longest > o.longestSide ? o.longestSide / longest : 1;
    const x = yunetInputSize(frame, scale);
    const { model, outputs } = this.onnx.forSize(x.height, x.width);
    // the frame is written straight into the engine's input buffer and the outputs read where they lie
    const faces = decodeYuNet(outputsByName(model, outputs, (input) => fillYunetInput(frame, x, input)), x.height, x.width, o);
    if (scale === 1) return faces;
    // back to the frame's pixels (each axis by its own rounding of the scaled size)
    const fx = frame.width / x.scaledWidth, fy = frame.height / x.scaledHeight;
    return faces.map((f) => ({
      score: f.score,
      box: [f.box[0] * fx, f.box[1] * fy, f.box[2] * fx, f.box[3] * fy],
      landmarks: f.landmarks.map(([lx, ly]) => [lx * fx, ly * fy] as [number, number]),
    }));
  }
}

function outputsByName(model: Model, layouts: OutputLayout[], fill: (input: Float32Array) => void): YuNetOutputs {
  const values = model.runInPlace(fill);
  const out: YuNetOutputs = {};
  layouts.forEach((l, i) => {
    if (l.layout !== "plain") throw new ResezapError(`YuNet output ${l.name}: expected [1, anchors, k] in ONNX's order`);
    out[l.name] = values[i];
  });
  return out;
}

let defaultDetector: YuNetDetector | undefined;

/** Where the shipped YuNet lies, relative to this module (src/detect/ and dist/detect/ alike). */
export function yunetUrl(): URL {
  return new URL(`../../models/yunet/${YUNET_FILE}`, import.meta.url);
}
