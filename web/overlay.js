// Boxes and "label 87%" tags on a canvas laid over the video (or a still image), in frame pixels.
// Colours per emotion: the same as annotate() in src/recognize.ts, so the demo and the CLI's images agree.
const COLORS = {
  angry: [230, 40, 40], disgust: [120, 170, 30], fear: [150, 60, 200], happy: [250, 200, 0],
  sad: [40, 110, 230], surprise: [250, 120, 0], neutral: [200, 200, 200],
};

const css = (c) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

export function drawFaces(canvas, width, height, faces) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, width, height);
  const line = Math.max(2, Math.round(Math.min(width, height) / 200));
  const font = Math.max(14, Math.round(Math.min(width, height) / 28));
  g.font = `bold ${font}px system-ui, sans-serif`;
  g.textBaseline = "top";
  for (const f of faces) {
    const [x, y, w, h] = f.box;
    const c = css(COLORS[f.label] ?? [0, 255, 0]);
    g.lineWidth = line;
    g.strokeStyle = c;
    g.strokeRect(x + line / 2, y + line / 2, w - line, h - line);
    const text = `${f.label} ${Math.round(f.score * 100)}%`;
    const tw = g.measureText(text).width + 8, th = font + 6;
    const ty = y - th >= 0 ? y - th : y + line;
    g.fillStyle = c;
    g.fillRect(x, ty, tw, th);
    g.fillStyle = "#000";
    g.fillText(text, x + 4, ty + 3);
  }
}
