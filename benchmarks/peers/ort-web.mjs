// Peer: onnxruntime-web's WASM execution provider, run inside Node. numThreads = 1 keeps it on the
// main thread (no worker pool, no SharedArrayBuffer), proxy off; ORT-Web 1.2x only ships SIMD
// builds, so SIMD is always on. Graph optimisations "all", as for the native peer.
import * as ort from "onnxruntime-web";
import { onnxBytes, ortPredict } from "./onnx-model.mjs";

export async function createPeer(modelDir) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(await onnxBytes(modelDir), {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  return {
    name: "ort-web",
    description: `onnxruntime-web ${ort.env.versions?.web ?? ""}, WASM EP (SIMD), 1 thread, graph optimisation "all"`,
    predict: ortPredict(ort, session),
    dispose() {
      return session.release();
    },
  };
}
