// A quantized ResEZAP as a QDQ ONNX graph, for native ONNX Runtime's own int8 kernels: the library's integer
// plan (src/quant/graph.ts: separable steps with the batch norm folded, residual joins, ReLUs, padded 2×2
// average pools) written as float ops between QuantizeLinear → DequantizeLinear pairs, which ORT's QDQ
// transformers fuse into QLinearConv and QLinearAdd. ORT's integer kernels take 8-bit activations, so this is
// the 8-bit model, not our 12-bit one: activations uint8 per tensor (min/max over the calibration faces, as
// quantize() calibrates), weights int8 symmetric per output channel, biases int32 at scale s_in·s_w[f]. Input
// NHWC, transposed to NCHW once; the head (global max pooling, the dense layers, softmax) stays f32.
import { graph, model as onnxModel, node, tensor, valueInfo } from "../../dist/onnx/proto.js";
import { integerPlan } from "../../dist/quant/graph.js";
import { calibrate } from "../../dist/quant/calibrate.js";
import { activationParams, quantizeWeights, QMAX8 } from "../../dist/quant/params.js";

/**
 * The QDQ ONNX bytes of `model` (a loadLayersModel model), calibrated on n = calibration.length / inSize examples.
 * pool: how a padded 2×2/2 average pool is written. "conv" (default): a 2×2/2 depthwise Conv with every weight
 * 1 at scale 1/4, the same sum exactly, run on ORT's depthwise QLinearConv kernel. "average": an AveragePool,
 * which ORT fuses into QLinearAveragePool, a generic loop that took a third of the int8 run in a profile of
 * ORT 1.30; the default gives the peer the faster kernel.
 */
export function resezapQdqOnnx(model, calibration, { pool = "conv" } = {}) {
  if (pool !== "conv" && pool !== "average") throw new Error(`resezapQdqOnnx: pool "${pool}": expected "conv" or "average"`);
  const plan = integerPlan(model);
  const [H0, W0, C0] = plan.input.shape;
  const n = calibration.length / (H0 * W0 * C0);
  if (!Number.isInteger(n) || n < 1) throw new Error(`resezapQdqOnnx: calibration holds ${calibration.length} floats, not a whole number of ${H0}×${W0}×${C0} examples`);
  const ranges = calibrate(plan, calibration, n);
  const params = plan.tensors.map((t) => activationParams(ranges[t.id][0], ranges[t.id][1], QMAX8));
  for (const s of plan.steps) if (s.kind === "pool") params[s.out.id] = params[s.x.id]; // averaging keeps the range

  const nodes = [], inits = [];
  const init = (name, dims, data) => (inits.push(tensor(name, dims, data)), name);
  const op = (type, inputs, out, attrs = {}) => (nodes.push(node(type, inputs, [out], out, attrs)), out);
  // each integer tensor: its uint8 value (QuantizeLinear's output), scale and zero point as initialisers
  const qname = new Map();
  const quantizeTo = (t, f32) => {
    const p = params[t.id], base = `t${t.id}`;
    init(`${base}_s`, [], Float32Array.of(p.scale));
    init(`${base}_z`, [], Uint8Array.of(p.zero));
    qname.set(t.id, op("QuantizeLinear", [f32, `${base}_s`, `${base}_z`], `${base}_q`));
  };
  // a DequantizeLinear for each reader: ORT's selectors group a DQ with the one node it feeds
  let readers = 0;
  const dequantize = (t) => op("DequantizeLinear", [qname.get(t.id), `t${t.id}_s`, `t${t.id}_z`], `t${t.id}_dq${readers++}`);
  // int8 weights [F, …] with a scale per output channel (axis 0)
  const weights = (name, dims, q, scale) => {
    init(`${name}_q`, dims, q);
    init(`${name}_s`, [dims[0]], scale);
    init(`${name}_z`, [dims[0]], new Int8Array(dims[0]));
    return op("DequantizeLinear", [`${name}_q`, `${name}_s`, `${name}_z`], name, { axis: 0 });
  };

  quantizeTo(plan.input, op("Transpose", ["input"], "input_nchw", { perm: [0, 3, 1, 2] }));
  for (const s of plan.steps) {
    const [H, W, C] = s.x.shape, [Ho, Wo] = s.out.shape;
    if (s.kind === "pool") {
      // ZeroPadding2D + a "valid" 2×2/2 pool = the pool with those pads counted (the bottom/right pad is only as
      // much as the output reaches)
      const padB = Math.max(0, 2 * (Ho - 1) + 2 - H - s.padT), padR = Math.max(0, 2 * (Wo - 1) + 2 - W - s.padL);
      const pads = [s.padT, s.padL, padB, padR];
      const sum = pool === "average"
        ? op("AveragePool", [dequantize(s.x)], `${s.name}_f`, { kernel_shape: [2, 2], strides: [2, 2], pads, count_include_pad: 1 })
        : op("Conv", [dequantize(s.x), weights(`${s.name}_w`, [C, 1, 2, 2], new Int8Array(4 * C).fill(1), new Float32Array(C).fill(0.25))], `${s.name}_f`,
          { group: C, kernel_shape: [2, 2], strides: [2, 2], pads });
      quantizeTo(s.out, sum);
      continue;
    }
    const F = s.y.shape[2], k = s.stride;
    const padB = Math.max(0, (Ho - 1) * k + 3 - H - s.padT), padR = Math.max(0, (Wo - 1) * k + 3 - W - s.padL);
    // depthwise [3, 3, C] → grouped Conv weights [C, 1, 3, 3]
    const dq = quantizeWeights(s.dw, C), dw = new Int8Array(9 * C);
    for (let i = 0; i < 9; i++) for (let c = 0; c < C; c++) dw[c * 9 + i] = dq.q[i * C + c];
    const d = op("Conv", [dequantize(s.x), weights(`${s.name}_dw`, [C, 1, 3, 3], dw, dq.scale)], `${s.name}_d`,
      { group: C, kernel_shape: [3, 3], strides: [k, k], pads: [s.padT, s.padL, padB, padR] });
    quantizeTo(s.d, d);
    // pointwise [C, F] → [F, C, 1, 1]; the bias in int32 at the scale of the accumulator
    const pq = quantizeWeights(s.pw, F), pw = new Int8Array(C * F), bias = new Int32Array(F), bs = new Float32Array(F);
    for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) pw[f * C + c] = pq.q[c * F + f];
    for (let f = 0; f < F; f++) {
      bs[f] = params[s.d.id].scale * pq.scale[f];
      bias[f] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(s.bias[f] / bs[f])));
    }
    init(`${s.name}_b_q`, [F], bias);
    init(`${s.name}_b_s`, [F], bs);
    init(`${s.name}_b_z`, [F], new Int32Array(F));
    const b = op("DequantizeLinear", [`${s.name}_b_q`, `${s.name}_b_s`, `${s.name}_b_z`], `${s.name}_b`, { axis: 0 });
    let y = op("Conv", [dequantize(s.d), weights(`${s.name}_pw`, [F, C, 1, 1], pw, pq.scale), b], `${s.name}_y`, { kernel_shape: [1, 1] });
    if (s.residual) {
      quantizeTo(s.y, y);
      y = op("Add", [dequantize(s.y), dequantize(s.residual)], `${s.name}_sum`);
    }
    // a ReLU before a QuantizeLinear whose zero point is 0 (a ReLU's output range starts at 0): ORT drops it
    if (s.relu) y = op("Relu", [y], `${s.name}_relu`);
    quantizeTo(s.out, y);
  }

  // the head in f32, from the dequantized boundary
  if (plan.boundary.length !== 1) throw new Error(`resezapQdqOnnx: the integer part of ${model.name} ends in ${plan.boundary.length} tensors; one is supported`);
  let x = dequantize(plan.boundary[0]);
  for (const step of plan.tail) {
    const l = step.layer;
    if (step.identity) continue;
    if (l.className === "GlobalMaxPooling2D" && !l.keepdims) {
      x = op("Flatten", [op("GlobalMaxPool", [x], `${l.name}_nchw`)], l.name, { axis: 1 });
    } else if (l.className === "Dense" && !step.activation) {
      const w = l.weight("kernel"), [K, N] = [w.length / l.units, l.units];
      const b = l.useBias ? Float32Array.from(l.weight("bias")) : new Float32Array(N), wf = Float32Array.from(w);
      const a = step.bn?.affine(); // a batch norm after the layer, folded into it
      if (a) {
        for (let i = 0; i < wf.length; i++) wf[i] *= a.scale[i % N];
        for (let j = 0; j < N; j++) b[j] = b[j] * a.scale[j] + a.shift[j];
      }
      x = op("Gemm", [x, init(`${l.name}_w`, [K, N], wf), init(`${l.name}_bias`, [N], b)], `${l.name}_lin`);
      if (l.activation === "relu") x = op("Relu", [x], l.name);
      else if (l.activation === "softmax") x = op("Softmax", [x], l.name, { axis: -1 });
      else if (l.activation !== "linear") throw new Error(`resezapQdqOnnx: ${l.name}: activation ${l.activation}`);
    } else {
      throw new Error(`resezapQdqOnnx: layer ${l.name} (${l.className}) after the integer part is not supported`);
    }
  }
  op("Identity", [x], "probabilities");
  return onnxModel({
    graph: graph({
      name: `${model.name}_qdq`, nodes, initializers: inits,
      inputs: [valueInfo("input", ["N", H0, W0, C0])], outputs: [valueInfo("probabilities", ["N", model.output.shape[0]])],
      docString: "ResEZAP quantized as QDQ: uint8 activations per tensor, int8 weights per output channel; NHWC input [N,48,48,1] grey/255",
    }),
    opset: 13, producerName: "resezap benchmarks/lib/resezap-qdq-onnx.mjs", producerVersion: "1",
  });
}
