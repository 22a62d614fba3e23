#!/usr/bin/env node
// Channels a trained model has switched off: per separable or dense layer, the output channels whose kernel
// weights are all |w| < 1e-6, and per batch norm the channels with |gamma| < 1e-6; in all, the share of kernel
// weights under 1e-6. For docs/training.md (the collapse of Adam's L2 decay in long runs).
//   npm run build && node scripts/dead-channels.mjs models/fer2013 runs/fer-25 runs/fer-100/epochs/epoch-40 ...
import { loadLayersModel } from "../dist/index.js";

const DEAD = 1e-6;
const dirs = process.argv.slice(2);
if (!dirs.length) {
  console.error("usage: node scripts/dead-channels.mjs MODEL_DIR ...");
  process.exit(1);
}
for (const dir of dirs) {
  const model = await loadLayersModel(dir);
  let weights = 0, tiny = 0;
  const parts = [];
  for (const layer of model.layers) {
    for (const [name, w] of layer.weights) {
      if (!name.endsWith("kernel")) continue;
      weights += w.length;
      tiny += w.filter((v) => Math.abs(v) < DEAD).length;
    }
    const kernel = layer.weights.get("pointwise_kernel") ?? (layer.className === "Dense" ? layer.weights.get("kernel") : undefined);
    const bias = layer.weights.get("bias"), gamma = layer.weights.get("gamma");
    if (kernel && bias) {
      const F = bias.length, C = kernel.length / F;
      let dead = 0;
      for (let f = 0; f < F; f++) {
        let max = 0;
        for (let c = 0; c < C; c++) max = Math.max(max, Math.abs(kernel[c * F + f]));
        dead += +(max < DEAD);
      }
      if (dead) parts.push(`${layer.name} ${dead}/${F}`);
    }
    if (gamma) {
      const dead = gamma.filter((g) => Math.abs(g) < DEAD).length;
      if (dead) parts.push(`${layer.name} γ ${dead}/${gamma.length}`);
    }
  }
  console.log(`${dir}: ${tiny} of ${weights} kernel weights under ${DEAD} (${((100 * tiny) / weights).toFixed(1)} %)${parts.length ? "; dead channels: " + parts.join(", ") : ""}`);
}
