// Calibration of the integer part: the f32 forward of its steps (the f32 kernels, called one by one) over
// calibration examples, keeping each tensor's smallest and largest value (the "max" statistic: no value of
// the calibration set saturates). Every tensor the integer kernels write is recorded, the depthwise output
// inside each separable layer included.
import { POOL_WHOLE_WINDOW } from "../abi/nn.js";
import { packBias, packPointwise } from "../engine/pack.js";
import { Arena, instantiateSync } from "../engine/wasm.js";
import type { NnExports } from "../generated/exports.js";
import type { IntegerPlan } from "./graph.js";

/** Each tensor's [min, max] over the calibration examples, by QTensor id. */
export type Ranges = [number, number][];

/** Runs the integer part of `plan` in f32 over n examples of x (n·inSize floats) and returns every tensor's range. */
export function calibrate(plan: IntegerPlan, x: Float32Array, n: number): Ranges {
  const ex = instantiateSync("nnSimd").exports as unknown as NnExports;
  const arena = new Arena(ex);
  const floats = (k: number) => arena.alloc(4 * k + 64);
  const put = (a: Float32Array) => { const p = floats(a.length); arena.writeF32(p, a); return p; };
  const ptr = plan.tensors.map((t) => floats(t.shape[0] * t.shape[1] * t.shape[2]));
  const size = (id: number) => plan.tensors[id].shape.reduce((a, b) => a * b, 1);
  const ops = plan.steps.map((s): (() => void) => {
    if (s.kind === "pool") {
      const [H, W, C] = s.x.shape, [Ho, Wo] = s.out.shape;
      return () => ex.pool2d(ptr[s.x.id], H, W, C, 2, 2, 2, 2, s.padT, s.padL, Ho, Wo, ptr[s.out.id], POOL_WHOLE_WINDOW);
    }
    const [H, W, C] = s.x.shape, [Ho, Wo, F] = s.y.shape;
    const dw = put(s.dw), zeros = put(new Float32Array(C)), pw = put(packPointwise(s.pw, C, F)), b = put(packBias(s.bias, F));
    const relu = s.relu ? 1 : 0;
    return () => {
      ex.depthwise_conv(ptr[s.x.id], H, W, C, dw, zeros, ptr[s.d.id], Ho, Wo, 3, 3, s.stride, s.stride, 1, 1, s.padT, s.padL, 0);
      ex.pointwise_4x8(ptr[s.d.id], Ho * Wo, C, pw, b, ptr[s.y.id], F, 0, s.residual ? 0 : relu);
      if (s.residual) ex.add(ptr[s.y.id], ptr[s.residual.id], Ho * Wo * F, ptr[s.out.id], relu);
    };
  });
  const ranges: Ranges = plan.tensors.map(() => [Infinity, -Infinity]);
  const inSize = size(plan.input.id);
  for (let i = 0; i < n; i++) {
    arena.writeF32(ptr[plan.input.id], x.subarray(i * inSize, (i + 1) * inSize));
    for (const op of ops) op();
    for (const t of plan.tensors) {
      const v = arena.f32.subarray(ptr[t.id] >> 2, (ptr[t.id] >> 2) + size(t.id)), r = ranges[t.id];
      for (let k = 0; k < v.length; k++) {
        if (v[k] < r[0]) r[0] = v[k];
        if (v[k] > r[1]) r[1] = v[k];
      }
    }
  }
  return ranges;
}
