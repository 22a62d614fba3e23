// Face detection: Viola–Jones with OpenCV's Haar cascades, matching OpenCV 4.6's detectMultiScale.
import type { ImageLike } from "../image/types.js";
import { loadCascade, type Cascade } from "./cascade.js";
import { defaultCascade } from "./default-cascade.js";
import { FaceDetector, type FaceDetectorOptions } from "./detector.js";
import type { Box } from "./group.js";
import { YuNetDetector, type DetectedFace, type YuNetOptions } from "./yunet.js";
import { ArgumentError } from "../errors.js";

export { loadCascade, MAX_CASCADE_XML_CHARS, type Cascade } from "./cascade.js";
export { defaultCascade, defaultCascadeUrl, DEFAULT_CASCADE_FILE } from "./default-cascade.js";
export { FaceDetector, type FaceDetectorOptions } from "./detector.js";
export { DEFAULTS as DETECT_DEFAULTS, type DetectOptions } from "./options.js";
export { groupRectangles, type Box } from "./group.js";
export { YuNetDetector, decodeYuNet, yunetInput, yunetUrl, YUNET_FILE, type DetectedFace, type YuNetOptions } from "./yunet.js";

// One detector per cascade, kept for later calls (its WASM instance and buffers are reused).
const detectors = new WeakMap<Cascade, FaceDetector>();
let lastXml: { text: string; cascade: Cascade } | null = null;

/**
 * Faces in an ImageData-like image (RGBA, RGB or grey) as [x, y, w, h] boxes sorted left to right.
 * Defaults are OpenCV's: scaleFactor 1.1, minNeighbors 3, no minSize, no maxSize; the cascade defaults to the
 * shipped haarcascade_frontalface_default.xml (pass a Cascade or its XML text to use another).
 */
export function detectFaces(image: ImageLike, options?: FaceDetectorOptions & { detector?: "haar" }): Box[];
/** With detector "yunet": YuNet's faces, best first, each with its box, score and five landmarks (see YuNetDetector). */
export function detectFaces(image: ImageLike, options: YuNetOptions & { detector: "yunet" }): DetectedFace[];
export function detectFaces(image: ImageLike, options: (FaceDetectorOptions & { detector?: "haar" }) | (YuNetOptions & { detector: "yunet" }) = {}): Box[] | DetectedFace[] {
  if (options.detector === "yunet") {
    const { detector: _, ...o } = options;
    return YuNetDetector.default().detect(image, o);
  }
  if (options.detector !== undefined && options.detector !== "haar") {
    throw new ArgumentError(`detectFaces: detector must be "haar" or "yunet", found ${JSON.stringify(options.detector)}`);
  }
  const { cascade: c, detector: _d, ...rest } = options as FaceDetectorOptions & { detector?: "haar" };
  let cascade: Cascade;
  if (c === undefined) cascade = defaultCascade();
  else if (typeof c === "string") {
    if (!lastXml || lastXml.text !== c) lastXml = { text: c, cascade: loadCascade(c) };
    cascade = lastXml.cascade;
  } else cascade = c;
  let d = detectors.get(cascade);
  if (!d) detectors.set(cascade, (d = new FaceDetector({ cascade })));
  return d.detect(image, rest);
}
