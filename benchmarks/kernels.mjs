// Kernel speed at every ResEZAP layer shape: G multiply-adds per second of the pointwise and depthwise
// kernels, SIMD (plain and relaxed, where it validates) beside the scalar WASM build and naive JavaScript.
import { packBias, packPointwise } from "../dist/engine/pack.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { depthwiseRef, pointwiseRef } from "../dist/reference/kernels.js";
import { convLayers, medianMs, randomArray, round, wasm } from "./lib.mjs";

export async function benchKernels(settings) {
  const layers = await convLayers();
  const builds = [["simd", "nnSimd"], ...(relaxedSimdSupported() ? [["relaxed", "nnRelaxed"]] : []), ["scalar", "nnScalar"]];
  const engines = Object.fromEntries(builds.map(([k, name]) => [k, wasm(name)]));
  const rows = [];
  for (const L of layers) {
    const P = L.Ho * L.Wo;
    const pwMacs = P * L.C * L.F, dwMacs = P * L.C * 9;
    const x = randomArray(P * L.C, 1), w = randomArray(L.C * L.F, 2), b = randomArray(L.F, 3);
    const img = randomArray(L.H * L.W * L.C, 4), dw = randomArray(9 * L.C, 5);
    const row = { layer: L.name, pointwise: { shape: `${P}×${L.C}→${L.F}`, macs: pwMacs }, depthwise: { shape: `${L.H}×${L.W}×${L.C} pad ${L.pad}`, macs: dwMacs } };
    for (const [k] of builds) {
      const { ex, arena, put, alloc } = engines[k];
      arena.reset();
      const px = put(x), pw = put(packPointwise(w, L.C, L.F)), pb = put(packBias(b, L.F)), po = alloc(P * L.F);
      const pimg = put(img), pdw = put(dw), pdo = alloc(P * L.C);
      const pwCall = k === "scalar" ? () => ex.pointwise_scalar(px, P, L.C, pw, pb, po, L.F) : () => ex.pointwise_4x8(px, P, L.C, pw, pb, po, L.F, 0, 0);
      const dwCall = k === "scalar" ? () => ex.depthwise_scalar(pimg, L.H, L.W, L.C, pdw, pdo, L.pad) : () => ex.depthwise3x3(pimg, L.H, L.W, L.C, pdw, 0, pdo, L.pad);
      row.pointwise[k] = round(pwMacs / (await medianMs(pwCall, settings)) / 1e6, 2);
      row.depthwise[k] = round(dwMacs / (await medianMs(dwCall, settings)) / 1e6, 2);
    }
    row.pointwise.naive_js = round(pwMacs / (await medianMs(() => pointwiseRef(x, P, L.C, w, b, L.F), settings)) / 1e6, 2);
    row.depthwise.naive_js = round(dwMacs / (await medianMs(() => depthwiseRef(img, L.H, L.W, L.C, dw, null, L.pad), settings)) / 1e6, 2);
    rows.push(row);
  }
  return rows;
}
