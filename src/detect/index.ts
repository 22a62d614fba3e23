// Face detection: Viola–Jones with OpenCV's Haar cascades, matching OpenCV 4.6's detectMultiScale.
import type { ImageLike } from "../image/types.js";
import { loadCascade, type Cascade } from "./cascade.js";
import { defaultCascade } from "./default-cascade.js";
import { FaceDetector, type FaceDetectorOptions } from "./detector.js";
import type { Box } from "./group.js";

export { loadCascade, MAX_CASCADE_XML_CHARS, type Cascade } from "./cascade.js";
export { defaultCascade, defaultCascadeUrl, DEFAULT_CASCADE_FILE } from "./default-cascade.js";
export { FaceDetector, type FaceDetectorOptions } from "./detector.js";
export { DEFAULTS as DETECT_DEFAULTS, type DetectOptions } from "./options.js";
export { groupRectangles, type Box } from "./group.js";

// One detector per cascade, kept for later calls (its WASM instance and buffers are reused).
const detectors = new WeakMap<Cascade, FaceDetector>();
let lastXml: { text: string; cascade: Cascade } | null = null;

/**
 * Faces in an ImageData-like image (RGBA, RGB or grey) as [x, y, w, h] boxes sorted left to right.
 * Defaults are OpenCV's: scaleFactor 1.1, minNeighbors 3, no minSize, no maxSize; the cascade defaults to the
 * shipped haarcascade_frontalface_default.xml (pass a Cascade or its XML text to use another).
 */
export function detectFaces(image: ImageLike, options: FaceDetectorOptions = {}): Box[] {
  const { cascade: c, ...rest } = options;
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
