// The integer part of a quantized model (src/quant/quantize.ts) in plain TypeScript, step by step on the
// integer kernels' references (quantized.ts): what QuantizedModel.boundary() must return, bit for bit.
import { dequantizeTensor, quantizeTensor } from "../quant/params.js";
import type { IntegerSpec } from "../quant/quantize.js";
import { addQRef, avgPool2x2QRef, depthwiseQRef, pointwiseQRef } from "./quantized.js";

/** One example x through the integer part: the dequantized boundary tensors, in spec.plan.boundary's order. */
export function integerPartRef(spec: IntegerSpec, x: ArrayLike<number>): Float32Array[] {
  const { plan, params, constants } = spec;
  const q: (Uint8Array | Uint16Array)[] = [];
  q[plan.input.id] = quantizeTensor(x, params[plan.input.id]);
  plan.steps.forEach((s, k) => {
    const c = constants[k], px = params[s.x.id], po = params[s.out.id];
    const [H, W, C] = s.x.shape;
    if (s.kind === "pool" && c.kind === "pool") {
      const [Ho, Wo] = s.out.shape;
      q[s.out.id] = avgPool2x2QRef(q[s.x.id], H, W, C, px.zero, s.padT, s.padL, Ho, Wo, c.m, po.zero, po.qmax);
    } else if (s.kind === "separable" && c.kind === "separable") {
      const [Ho, Wo, F] = s.y.shape, pd = params[s.d.id], py = params[s.y.id];
      q[s.d.id] = depthwiseQRef(q[s.x.id], H, W, C, px.zero, c.dwq, c.dRq, Ho, Wo, s.stride, s.padT, s.padL, 0, pd.qmax);
      q[s.y.id] = pointwiseQRef(q[s.d.id], Ho * Wo, C, c.pwq, F, c.yRq, c.yQmin, py.qmax);
      if (s.residual) {
        const pr = params[s.residual.id];
        q[s.out.id] = addQRef(q[s.y.id], py.zero, c.ma, q[s.residual.id], pr.zero, c.mb, po.zero, c.outQmin, po.qmax);
      }
    }
  });
  return plan.boundary.map((t) => dequantizeTensor(q[t.id], params[t.id]));
}
