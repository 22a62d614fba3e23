// Peer: onnxruntime-node, native CPU execution provider. One intra-op and one inter-op thread so
// that it is compared like for like with the single-threaded WASM engines; full graph
// optimisations (Conv+BN folding, Conv+Add+Relu fusion…) because that is how ORT is meant to run.
import * as ort from "onnxruntime-node";
import { onnxBytes, ortPredict } from "./onnx-model.mjs";

export async function createPeer(modelDir) {
  const session = await ort.InferenceSession.create(await onnxBytes(modelDir), {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  return {
    name: "ort-node",
    description: `onnxruntime-node ${ort.env.versions?.node ?? ""}, native CPU EP, 1 intra-op + 1 inter-op thread, graph optimisation "all"`,
    predict: ortPredict(ort, session),
    dispose() {
      return session.release();
    },
  };
}
