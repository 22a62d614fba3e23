// Keras 3's model.json: the topology TF.js writes (Keras 2 style) rewritten the way Keras 3 serialises it —
// DTypePolicy objects, layers with "module"/"registered_name"/"build_config", InputLayer "batch_shape",
// Sequential "build_input_shape" with no InputLayer, functional inbound_nodes as {args: [__keras_tensor__…]},
// activations as serialised functions, TF.js's camelCase inputShape — and loaded with the same weights: the
// predictions must equal TF.js's on the original model.
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { loadLayersModel } from "../src/index.js";
import { Random } from "../src/util/random.js";
import { maxRelErr } from "./helpers.js";

tf.enableProdMode();
await tf.setBackend("cpu");

async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved!: tf.io.ModelArtifacts;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } })));
  return saved;
}

const policy = { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null };

/** A Keras 2 layer entry as Keras 3 writes it. */
function keras3Layer(l: any, inbound?: unknown) {
  const config = { ...l.config, dtype: policy };
  if (typeof config.activation === "string") config.activation = { module: "keras.activations", class_name: "function", config: config.activation, registered_name: null };
  delete config.batch_input_shape;
  const out: any = { module: "keras.layers", class_name: l.class_name, config, registered_name: null, build_config: { input_shape: [null, 6, 5, 3] } };
  if (inbound !== undefined) {
    out.name = l.name ?? l.config.name;
    out.inbound_nodes = inbound;
  }
  return out;
}

const tensorRef = (layer: string) => ({ class_name: "__keras_tensor__", config: { shape: [null, 6, 5, 3], dtype: "float32", keras_history: [layer, 0, 0] } });

async function compare(model: tfl.LayersModel, topology: unknown, a: tf.io.ModelArtifacts): Promise<number> {
  const ours = await loadLayersModel({ modelTopology: topology, weightSpecs: a.weightSpecs as any, weightData: a.weightData as ArrayBuffer });
  const r = new Random(9), x = r.fill(2 * 90, -1, 1);
  const want = await (model.predict(tf.tensor(x, [2, 6, 5, 3])) as tf.Tensor).data();
  return maxRelErr(ours.predict(x, 2), want);
}

describe("Keras 3 configs", () => {
  it("Sequential with build_input_shape and no InputLayer, activations as serialised functions", async () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [6, 5, 3], filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: "softmax" }),
    ] });
    const a = await artifactsOf(model);
    const t = a.modelTopology as any;
    const layers = t.config.layers.filter((l: any) => l.class_name !== "InputLayer").map((l: any) => keras3Layer(l));
    const topology = { class_name: "Sequential", config: { name: "sequential", trainable: true, dtype: policy, layers, build_input_shape: [null, 6, 5, 3] }, keras_version: "3.6.0", backend: "tensorflow" };
    expect(await compare(model, topology, a)).toBeLessThan(1e-5);
  });

  it("Functional with batch_shape, {args: [...]} inbound nodes and a merge of two tensors", async () => {
    const inp = tfl.input({ shape: [6, 5, 3], name: "input_layer" });
    const c1 = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: "c1" }).apply(inp) as tfl.SymbolicTensor;
    const c2 = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", name: "c2", activation: "tanh" }).apply(inp) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: "sum" }).apply([c1, c2]) as tfl.SymbolicTensor;
    const out = tfl.layers.globalAveragePooling2d({ name: "gap" }).apply(sum) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inp, outputs: out });
    const a = await artifactsOf(model);
    const layers = [
      { module: "keras.layers", class_name: "InputLayer", config: { batch_shape: [null, 6, 5, 3], dtype: "float32", sparse: false, name: "input_layer" }, registered_name: null, name: "input_layer", inbound_nodes: [] },
      ...(a.modelTopology as any).config.layers.filter((l: any) => l.class_name !== "InputLayer").map((l: any) => {
        const name = l.config.name;
        const refs = name === "sum" ? [[tensorRef("c1"), tensorRef("c2")]] : [tensorRef(name === "gap" ? "sum" : "input_layer")];
        return keras3Layer(l, [{ args: refs, kwargs: {} }]);
      }),
    ];
    const topology = { class_name: "Functional", config: { name: "functional", trainable: true, layers, input_layers: ["input_layer", 0, 0], output_layers: ["gap", 0, 0] }, keras_version: "3.6.0" };
    expect(await compare(model, topology, a)).toBeLessThan(1e-5);
  });

  it("TF.js's camelCase inputShape on the first layer", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [90], units: 4 })] });
    const a = await artifactsOf(model);
    const t = JSON.parse(JSON.stringify(a.modelTopology));
    const first = t.config.layers.find((l: any) => l.class_name === "Dense");
    t.config.layers = [first];
    delete first.config.batch_input_shape;
    first.config.inputShape = [90];
    const ours = await loadLayersModel({ modelTopology: t, weightSpecs: a.weightSpecs as any, weightData: a.weightData as ArrayBuffer });
    expect(ours.inputShape).toEqual([90]);
  });
});
