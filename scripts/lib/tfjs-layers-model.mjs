// Reads a TF.js Layers model folder (model.json + binary shards) into plain JS:
// the Keras topology and a Map of weight name → { shape, data: Float32Array }.
// Used by the ONNX exporter; kept apart so the exporter only deals with graph building.
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export async function readLayersModel(modelDir) {
  const modelJson = JSON.parse(await readFile(join(modelDir, "model.json"), "utf8"));
  if (modelJson.format !== "layers-model") throw new Error(`${modelDir}: format ${modelJson.format}, expected layers-model`);
  const weights = new Map();
  for (const group of modelJson.weightsManifest) {
    // A group's shards are one byte stream cut into files; weights run across shard boundaries.
    const shards = await Promise.all(group.paths.map((p) => readFile(join(modelDir, p))));
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.dtype !== "float32" || spec.quantization) throw new Error(`weight ${spec.name}: only unquantised float32 is supported`);
      const count = spec.shape.reduce((a, b) => a * b, 1);
      // Copy out so the Float32Array is aligned whatever the offset.
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 4));
      weights.set(spec.name, { shape: spec.shape, data });
      offset += count * 4;
    }
    if (offset !== bytes.length) throw new Error(`weight group ${group.paths}: ${bytes.length} bytes, manifest describes ${offset}`);
  }
  return { modelJson, topology: modelJson.modelTopology, weights };
}
