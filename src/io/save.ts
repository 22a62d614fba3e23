import type { Model } from "../model.js";
import type { ModelJSON } from "./layers-format.js";

// Writes a model in the TF.js Layers format (what loadLayersModel and tf.loadLayersModel read): Keras
// topology with inbound nodes, one weight group in one shard, weights in the model's layer order.

export function modelToArtifacts(model: Model, shard = "group1-shard1of1.bin"): { modelJSON: ModelJSON; weightData: ArrayBuffer } {
  const layers = model.layers.map((l) => ({
    class_name: l.className,
    name: l.name,
    config: l.getConfig(),
    inbound_nodes: l.output!.inputs.length ? [l.output!.inputs.map((t) => [t.layer.name, 0, 0, {}])] : [],
  }));
  const named = model.namedWeights();
  const total = named.reduce((s, w) => s + w.values.length, 0);
  const data = new Float32Array(total);
  let off = 0;
  for (const w of named) {
    data.set(w.values, off);
    off += w.values.length;
  }
  const modelJSON: ModelJSON = {
    format: "layers-model",
    modelTopology: {
      class_name: "Functional",
      config: { name: model.name, layers, input_layers: [[model.input.layer.name, 0, 0]], output_layers: [[model.output.layer.name, 0, 0]] },
      keras_version: "2.15.0",
      backend: "tensorflow",
    },
    weightsManifest: [{ paths: [shard], weights: named.map((w) => ({ name: w.name, shape: w.shape, dtype: "float32" })) }],
    userDefinedMetadata: { ...(model.userDefinedMetadata ?? {}), ...(model.classNames ? { classes: model.classNames } : {}) },
  };
  return { modelJSON, weightData: data.buffer };
}

/** Node: writes model.json and its shard into dir (created if needed). */
export async function saveLayersModel(model: Model, dir: string): Promise<void> {
  await writeArtifacts(modelToArtifacts(model), dir);
}

/** Node: writes modelToArtifacts()'s model.json and weights (one shard) into dir (created if needed). */
export async function writeArtifacts({ modelJSON, weightData }: { modelJSON: ModelJSON; weightData: ArrayBuffer }, dir: string): Promise<void> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "model.json"), JSON.stringify(modelJSON));
  await fs.writeFile(path.join(dir, "group1-shard1of1.bin"), new Uint8Array(weightData));
}
