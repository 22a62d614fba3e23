// drawResults on a recording fake of CanvasRenderingContext2D: what it draws for each face, where, in which
// colour and with which text. The real canvas path runs in Chromium in web-e2e.test.ts.
import { describe, expect, it } from "vitest";
import { drawResults, type CanvasLike } from "../src/draw-canvas.js";
import { EMOTION_COLORS } from "../src/draw-colors.js";

type Call = [string, ...unknown[]];

/** A 2D context that records each drawing call with the style in force when it was made. */
function recorder(width: number, height: number) {
  const calls: Call[] = [];
  const ctx: CanvasLike = {
    canvas: { width, height },
    lineWidth: 1,
    strokeStyle: "#000",
    fillStyle: "#000",
    font: "10px sans-serif",
    textBaseline: "alphabetic",
    strokeRect: (x, y, w, h) => void calls.push(["strokeRect", x, y, w, h, ctx.strokeStyle, ctx.lineWidth]),
    fillRect: (x, y, w, h) => void calls.push(["fillRect", x, y, w, h, ctx.fillStyle]),
    fillText: (t, x, y) => void calls.push(["fillText", t, x, y, ctx.fillStyle, ctx.font, ctx.textBaseline]),
    // 10 px a character, so the tag's width is predictable
    measureText: (t) => ({ width: 10 * t.length }),
  };
  return { ctx, calls };
}

const happy = `rgb(${EMOTION_COLORS.happy.join(", ")})`;
const sad = `rgb(${EMOTION_COLORS.sad.join(", ")})`;

describe("drawResults", () => {
  it("draws a box inside each face's bounds, a 'label NN%' tag above it, and nothing else without landmarks", () => {
    const { ctx, calls } = recorder(640, 480);
    drawResults(ctx, [{ box: [100, 120, 90, 90], label: "happy", probabilities: { happy: 0.874, sad: 0.126 } }]);
    // 480 / 200 → a 2 px line, 480 / 28 → a 17 px font; the tag is 17 + 6 px high, above the box (120 − 23 ≥ 0)
    expect(calls).toEqual([
      ["strokeRect", 101, 121, 88, 88, happy, 2],
      ["fillRect", 100, 97, 10 * "happy 87%".length + 8, 23, happy],
      ["fillText", "happy 87%", 104, 100, "#000", "bold 17px system-ui, sans-serif", "top"],
    ]);
  });

  it("puts the tag inside the box when there is no room above, and draws each landmark as a dot", () => {
    const { ctx, calls } = recorder(1000, 1000);
    const landmarks: [number, number][] = [[30, 40], [60.5, 41]];
    drawResults(ctx, [{ box: [10, 22, 80, 80], label: "sad", probabilities: { sad: 0.5 }, landmarks }]);
    // 1000 / 200 → 5 px line; 1000 / 28 → 36 px font, a 42 px tag: 22 − 42 < 0, so it goes at y + line
    expect(calls[1]).toEqual(["fillRect", 10, 27, 10 * "sad 50%".length + 8, 42, sad]);
    expect(calls.slice(3)).toEqual([
      ["fillRect", 25, 35, 10, 10, sad],
      ["fillRect", 55.5, 36, 10, 10, sad],
    ]);
  });

  it("the smallest canvas still gets a 2 px line and a 14 px font; labels beyond the seven emotions are green; no probabilities, no percentage", () => {
    const { ctx, calls } = recorder(100, 50);
    drawResults(ctx, [{ box: [0, 30, 20, 20], label: "cat" }]);
    expect(calls[0]).toEqual(["strokeRect", 1, 31, 18, 18, "rgb(0, 255, 0)", 2]);
    // a 20 px tag at 30 − 20 = 10, its text 3 px lower
    expect(calls[2]).toEqual(["fillText", "cat", 4, 13, "#000", "bold 14px system-ui, sans-serif", "top"]);
  });

  it("draws every face, in order, and nothing for none", () => {
    const { ctx, calls } = recorder(640, 480);
    drawResults(ctx, []);
    expect(calls).toEqual([]);
    drawResults(ctx, [
      { box: [0, 100, 50, 50], label: "happy", probabilities: { happy: 1 } },
      { box: [300, 100, 50, 50], label: "sad", probabilities: { sad: 0.01 } },
    ]);
    expect(calls.filter((c) => c[0] === "fillText").map((c) => c[1])).toEqual(["happy 100%", "sad 1%"]);
    expect(calls.filter((c) => c[0] === "strokeRect").map((c) => c[1])).toEqual([1, 301]);
  });
});
