// What the two TF.js peers share: one tfjs-core engine, the Layers model loaded from a folder
// without fetch or tfjs-node, and a predict() that runs on a named backend.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { loadLayersModel } from "@tensorflow/tfjs-layers";

// Prod mode: no per-op debug checks, and no "install tfjs-node" console nag. Production settings
// are what a user of TF.js would benchmark with.
tf.enableProdMode();

export { tf };

/**
 * Loads model.json + its shards through tf.io.fromMemory: TF.js's own file:// loader needs
 * tfjs-node, which this project deliberately does not install (native addon, no WASM).
 */
export async function loadModelFromDir(modelDir) {
  const modelJson = JSON.parse(await readFile(join(modelDir, "model.json"), "utf8"));
  const weightSpecs = [];
  const buffers = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(await readFile(join(modelDir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
}

/**
 * A peer on one TF.js backend. TF.js has one global engine, so predict() re-selects this
 * peer's backend if another peer switched it (the weights live on the backend they were
 * loaded on; running them elsewhere would silently copy them on every call).
 */
export async function createTfjsPeer({ backend, name, description, modelDir }) {
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to initialise`);
  await tf.ready();
  const model = await loadModelFromDir(modelDir);
  const [, h, w, c] = model.inputs[0].shape;
  return {
    name,
    description,
    async predict(input, n) {
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      const y = tf.tidy(() => model.predict(tf.tensor4d(input, [n, h, w, c]), { batchSize: n }));
      try {
        return await y.data();
      } finally {
        y.dispose();
      }
    },
    dispose() {
      model.dispose();
    },
  };
}
