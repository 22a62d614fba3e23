// Writes the 8 PublicTest faces of the reference io.json as 48×48 grey PNGs (fixtures/faces48/), so the
// CLI's classify can be checked against PyTorch's probabilities end to end. Run once; the PNGs are committed.
import { readFileSync, writeFileSync } from "node:fs";
import { PNG } from "pngjs";

const io = JSON.parse(readFileSync("fixtures/reference-model/io.json", "utf8"));
const names = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
io.inputs.forEach((x, i) => {
  const label = io.labels_if_known[i];
  if (label === null) return;
  const png = new PNG({ width: 48, height: 48, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const grey = Buffer.from(x.map((v) => Math.round(v * 255)));
  const bytes = PNG.sync.write({ width: 48, height: 48, data: grey }, { colorType: 0, inputColorType: 0, bitDepth: 8 });
  writeFileSync(`fixtures/faces48/${String(i).padStart(2, "0")}-${names[label]}.png`, bytes);
});
