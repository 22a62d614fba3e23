// A TF.js Layers model (built in tfjs-layers) written as an ONNX graph, so ONNX Runtime runs the very same
// weights: NHWC input [N, H, W, C] transposed to NCHW once, then one ONNX node per layer (Conv, depthwise Conv for
// SeparableConv2D, BatchNormalization, Relu, MaxPool, Add, GlobalAveragePool, Gemm, Softmax). Only the layer kinds
// the benchmarks' models use; anything else throws.
import { graph, model, node, tensor, valueInfo } from "../../dist/onnx/proto.js";

/** [kh, kw, C, F] (Keras) → [F, C, kh, kw] (ONNX). */
function oihw(w, [kh, kw, C, F]) {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) out[((f * C + c) * kh + y) * kw + x] = w[((y * kw + x) * C + c) * F + f];
  return out;
}

/** TF's "same" padding of an axis as ONNX begin/end pads. */
function samePads(n, k, s) {
  const out = Math.ceil(n / s), total = Math.max((out - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export async function kerasToOnnx(tfModel) {
  const nodes = [], inits = [];
  const names = new Map(); // symbolic tensor name → ONNX value name
  const shapes = new Map(); // ONNX value → [C, H, W] or [N]
  let k = 0;
  const init = (name, dims, data) => {
    inits.push(tensor(name, dims, data));
    return name;
  };
  const [, H0, W0, C0] = tfModel.inputs[0].shape;
  const nhwc = tfModel.inputs.length === 1 && tfModel.inputs[0].shape.length === 4;
  const inputName = tfModel.inputs[0].name;
  if (nhwc) {
    nodes.push(node("Transpose", ["input"], ["x_nchw"], "to_nchw", { perm: [0, 3, 1, 2] }));
    names.set(inputName, "x_nchw");
    shapes.set("x_nchw", [C0, H0, W0]);
  } else {
    names.set(inputName, "input");
    shapes.set("input", [tfModel.inputs[0].shape[1]]);
  }
  for (const layer of tfModel.layers) {
    const cls = layer.getClassName();
    if (cls === "InputLayer") continue;
    const inbound = layer.inboundNodes[0].inputTensors.map((t) => names.get(t.name));
    const out = `v${k++}`;
    const ws = layer.getWeights().map((t) => t.dataSync());
    const wshapes = layer.getWeights().map((t) => t.shape);
    const c = layer.getConfig();
    const [C, H, W] = shapes.get(inbound[0]);
    const conv = (x, w, shape, b, attrs, o, F) => {
      const ins = [x, init(`${out}_w${nodes.length}`, [shape[3], shape[2], shape[0], shape[1]], oihw(w, shape))];
      if (b) ins.push(init(`${out}_b${nodes.length}`, [F], b));
      nodes.push(node("Conv", ins, [o], `${layer.name}_${nodes.length}`, attrs));
    };
    const spatial = (kh, kw, s, padding) => {
      const pads = padding === "same" ? [samePads(H, kh, s[0]), samePads(W, kw, s[1])] : [[0, 0], [0, 0]];
      const Ho = padding === "same" ? Math.ceil(H / s[0]) : Math.floor((H - kh) / s[0]) + 1, Wo = padding === "same" ? Math.ceil(W / s[1]) : Math.floor((W - kw) / s[1]) + 1;
      return { attrs: { kernel_shape: [kh, kw], strides: s, pads: [pads[0][0], pads[1][0], pads[0][1], pads[1][1]] }, Ho, Wo };
    };
    if (cls === "Conv2D") {
      const [kh, kw, , F] = wshapes[0];
      const g = spatial(kh, kw, c.strides, c.padding);
      conv(inbound[0], ws[0], wshapes[0], c.useBias ? ws[1] : null, g.attrs, out, F);
      shapes.set(out, [F, g.Ho, g.Wo]);
    } else if (cls === "SeparableConv2D") {
      const [kh, kw] = wshapes[0], F = wshapes[1][3];
      const g = spatial(kh, kw, c.strides, c.padding);
      // depthwise [kh, kw, C, 1] as a grouped Conv [C, 1, kh, kw]
      const dw = new Float32Array(C * kh * kw);
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let ch = 0; ch < C; ch++) dw[(ch * kh + y) * kw + x] = ws[0][(y * kw + x) * C + ch];
      nodes.push(node("Conv", [inbound[0], init(`${out}_dw`, [C, 1, kh, kw], dw)], [`${out}_d`], `${layer.name}_dw`, { ...g.attrs, group: C }));
      conv(`${out}_d`, ws[1], wshapes[1], c.useBias ? ws[2] : null, { kernel_shape: [1, 1] }, out, F);
      shapes.set(out, [F, g.Ho, g.Wo]);
    } else if (cls === "BatchNormalization") {
      const [gamma, beta, mean, variance] = ws;
      nodes.push(node("BatchNormalization", [inbound[0], init(`${out}_g`, [C], gamma), init(`${out}_be`, [C], beta), init(`${out}_m`, [C], mean), init(`${out}_v`, [C], variance)],
        [out], layer.name, { epsilon: { float: c.epsilon } }));
      shapes.set(out, shapes.get(inbound[0]));
    } else if (cls === "Activation" || cls === "ReLU") {
      const a = cls === "ReLU" ? "relu" : c.activation;
      if (a !== "relu" && a !== "softmax") throw new Error(`kerasToOnnx: activation ${a}`);
      nodes.push(node(a === "relu" ? "Relu" : "Softmax", [inbound[0]], [out], layer.name, a === "softmax" ? { axis: -1 } : {}));
      shapes.set(out, shapes.get(inbound[0]));
    } else if (cls === "MaxPooling2D") {
      const g = spatial(c.poolSize[0], c.poolSize[1], c.strides, c.padding);
      nodes.push(node("MaxPool", [inbound[0]], [out], layer.name, g.attrs));
      shapes.set(out, [C, g.Ho, g.Wo]);
    } else if (cls === "Add") {
      nodes.push(node("Add", inbound, [out], layer.name));
      shapes.set(out, shapes.get(inbound[0]));
    } else if (cls === "GlobalAveragePooling2D") {
      nodes.push(node("GlobalAveragePool", [inbound[0]], [`${out}_p`], `${layer.name}_pool`));
      nodes.push(node("Flatten", [`${out}_p`], [out], layer.name, { axis: 1 }));
      shapes.set(out, [C]);
    } else if (cls === "Dense") {
      const [K, N] = wshapes[0];
      const ins = [inbound[0], init(`${out}_w`, [K, N], ws[0])];
      if (c.useBias) ins.push(init(`${out}_b`, [N], ws[1]));
      const act = c.activation;
      nodes.push(node("Gemm", ins, [act === "linear" ? out : `${out}_l`], layer.name));
      if (act === "relu") nodes.push(node("Relu", [`${out}_l`], [out], `${layer.name}_relu`));
      else if (act === "softmax") nodes.push(node("Softmax", [`${out}_l`], [out], `${layer.name}_softmax`, { axis: -1 }));
      else if (act !== "linear") throw new Error(`kerasToOnnx: Dense activation ${act}`);
      shapes.set(out, [N]);
    } else {
      throw new Error(`kerasToOnnx: layer ${cls}`);
    }
    names.set(layer.output.name, out);
  }
  const outName = names.get(tfModel.outputs[0].name);
  const inDims = nhwc ? ["N", H0, W0, C0] : ["N", tfModel.inputs[0].shape[1]];
  return model({
    graph: graph({ name: tfModel.name, nodes, initializers: inits, inputs: [valueInfo("input", inDims)], outputs: [valueInfo(outName, null)] }),
    opset: 13, producerName: "resezap benchmarks/lib/keras-to-onnx.mjs", producerVersion: "1",
  });
}
