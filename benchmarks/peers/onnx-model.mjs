// How the ONNX Runtime peers get their model: a path ending in .onnx is used as is; a TF.js
// Layers folder is converted in memory by the same exporter that wrote
// benchmarks/models/resezap-reference.onnx, so every peer can be handed the same modelDir.
import { readFile } from "node:fs/promises";
import { exportOnnx } from "../../scripts/export-onnx.mjs";

export async function onnxBytes(modelDirOrFile) {
  if (modelDirOrFile.endsWith(".onnx")) return new Uint8Array(await readFile(modelDirOrFile));
  return exportOnnx(modelDirOrFile);
}

/** predict() for any onnxruntime flavour: NHWC float input [n,48,48,1] → probabilities [n,7]. */
export function ortPredict(ort, session) {
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  return async (input, n) => {
    const feeds = { [inputName]: new ort.Tensor("float32", input, [n, 48, 48, 1]) };
    const out = await session.run(feeds);
    const y = out[outputName];
    const data = y.data;
    // ORT's output tensor may be a view into memory it reuses; hand back an owned copy.
    const result = new Float32Array(data);
    for (const t of Object.values(out)) t.dispose?.();
    return result;
  };
}
