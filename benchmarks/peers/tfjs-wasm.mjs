// Peer: TF.js WASM backend (@tensorflow/tfjs-backend-wasm): XNNPACK kernels, WASM SIMD, one thread.
// In Node tfjs-backend-wasm never uses threads (WASM_HAS_MULTITHREAD_SUPPORT is false under
// IS_NODE), so it loads tfjs-backend-wasm-simd.wasm from its own dist/ folder; we still pin the
// count to 1 and require SIMD so that the configuration is explicit, not inferred.
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { createTfjsPeer, tf } from "./tfjs-common.mjs";

export async function createPeer(modelDir) {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setThreadsCount(1);
  if (!(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"))) throw new Error("WASM SIMD not available: this peer would run the scalar build");
  return createTfjsPeer({
    backend: "wasm",
    name: "tfjs-wasm",
    description: "TensorFlow.js 4.x, WASM backend (XNNPACK, SIMD, 1 thread)",
    modelDir,
  });
}
