import { Conv2D, SeparableConv2D } from "./layers/conv.js";
import type { Model } from "./model.js";

// The paper's arithmetic, from the model's own shapes. For each 3×3 convolution layer with input channels
// C_in, output channels C_out and output size H_out × W_out:
//   normal    = H_out·W_out·C_in·9·C_out                       (a normal 3×3 convolution)
//   depthwise = H_out·W_out·C_in·9,  pointwise = H_out·W_out·C_in·C_out,  separable = depthwise + pointwise
// Parameters: the layer's own; and, for the whole model, both ways whichever it was built with: every 3×3 layer
// normal (9·C_in·C_out weights + C_out biases) or separable (9·C_in + C_in·C_out + C_out).

export interface ConvCount {
  name: string;
  normal: number;
  separable: number;
  depthwise: number;
  pointwise: number;
  params: number;
}

export interface OpCount {
  layers: ConvCount[];
  /** params: the model as built; paramsNormal, paramsSeparable: with every 3×3 layer normal, or separable */
  total: { normal: number; separable: number; params: number; paramsNormal: number; paramsSeparable: number };
}

export function countOps(model: Model): OpCount {
  const layers: ConvCount[] = [];
  let paramsNormal = 0, paramsSeparable = 0;
  for (const l of model.layers) {
    const params = l.countParams();
    const isSep = l instanceof SeparableConv2D;
    const isConv3 = l instanceof Conv2D && l.kernel === 3;
    if (!isSep && !isConv3) {
      paramsNormal += params;
      paramsSeparable += params;
      continue;
    }
    const Cin = l.inputShapes[0][2];
    const [Ho, Wo, Cout] = l.output!.shape;
    const depthwise = Ho * Wo * Cin * 9, pointwise = Ho * Wo * Cin * Cout;
    layers.push({ name: l.name, normal: Ho * Wo * Cin * 9 * Cout, separable: depthwise + pointwise, depthwise, pointwise, params });
    const bias = l.useBias ? Cout : 0;
    paramsNormal += 9 * Cin * Cout + bias;
    paramsSeparable += 9 * Cin + Cin * Cout + bias;
  }
  const sum = (k: "normal" | "separable") => layers.reduce((s, x) => s + x[k], 0);
  return { layers, total: { normal: sum("normal"), separable: sum("separable"), params: model.countParams(), paramsNormal, paramsSeparable } };
}

/** The table `resezap count` prints. */
export function formatCount(c: OpCount): string {
  const f = (n: number) => n.toLocaleString("en-US");
  const head = ["layer", "normal 3×3", "depthwise", "pointwise", "separable", "params"];
  const rows = c.layers.map((l) => [l.name, f(l.normal), f(l.depthwise), f(l.pointwise), f(l.separable), f(l.params)]);
  rows.push(["total", f(c.total.normal), "", "", f(c.total.separable), ""]);
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const lines = all.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(w[i]) : cell.padStart(w[i]))).join("  "));
  lines.push("");
  lines.push(`multiplications: normal ${f(c.total.normal)}, separable ${f(c.total.separable)}, difference ${f(c.total.normal - c.total.separable)} (${(c.total.normal / c.total.separable).toFixed(2)}×)`);
  const t = c.total;
  lines.push(`parameters: normal ${f(t.paramsNormal)}, separable ${f(t.paramsSeparable)}, difference ${f(t.paramsNormal - t.paramsSeparable)} (${f(t.params)} as built)`);
  return lines.join("\n");
}
