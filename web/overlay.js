// Boxes, "label 87%" tags and landmarks on a canvas laid over the video (or a still image), in frame pixels,
// drawn by the library's drawResults (the same colours as the CLI's annotated images).
import { drawResults } from "../dist/resezap.browser.min.js";

export function drawFaces(canvas, width, height, faces) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, width, height);
  drawResults(g, faces);
}
