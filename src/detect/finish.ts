import { groupRectangles, type Box } from "./group.js";

// detectMultiScale's last steps on the raw hits of every scale: grouping, clipping to the image, sorting.

const GROUP_EPS = 0.2;

/** detectMultiScale's last steps on the raw hits: groupRectangles, clipping to the image, sorting. */
export function finishBoxes(raw: Box[], minNeighbors: number, W: number, H: number): Box[] {
  return sortBoxes(clipBoxes(groupRectangles(raw, minNeighbors, GROUP_EPS), W, H));
}

// OpenCV's CascadeClassifier::detectMultiScale ends with clipObjects: boxes cut to the image, empty ones dropped.
function clipBoxes(boxes: Box[], W: number, H: number): Box[] {
  const out: Box[] = [];
  for (const [x, y, w, h] of boxes) {
    const x0 = Math.max(x, 0), y0 = Math.max(y, 0);
    const x1 = Math.min(x + w, W), y1 = Math.min(y + h, H);
    if (x1 > x0 && y1 > y0) out.push([x0, y0, x1 - x0, y1 - y0]);
  }
  return out;
}

function sortBoxes(b: Box[]): Box[] {
  return b.sort((p, q) => p[0] - q[0] || p[1] - q[1] || p[2] - q[2]);
}
