// Peer: TF.js, plain-JavaScript CPU backend (@tensorflow/tfjs-backend-cpu). The baseline any
// TF.js user gets without extra setup; single-threaded by nature.
import "@tensorflow/tfjs-backend-cpu";
import { createTfjsPeer } from "./tfjs-common.mjs";

export async function createPeer(modelDir) {
  return createTfjsPeer({
    backend: "cpu",
    name: "tfjs-cpu",
    description: "TensorFlow.js 4.x, CPU backend (plain JavaScript kernels)",
    modelDir,
  });
}
