// The general convolution kernels (conv2d_4x8, depthwise_conv) on a few typical layer shapes, in G multiply-adds
// per second, beside the specialised 3×3 stride-1 kernels where a shape allows both.
// node --experimental-wasm-relaxed-simd benchmarks/conv-general.mjs [--quick]
import { fileURLToPath } from "node:url";
import { packBias, packConv, packConv3x3 } from "../dist/engine/pack.js";
import { convGeometry } from "../dist/reference/conv.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { medianMs, randomArray, round, SETTINGS, wasm } from "./lib.mjs";

// name, H, W, C, F (0: depthwise), k, stride, padding
const CASES = [
  ["first layer 48×48×1→8 3×3 s1 valid", 48, 48, 1, 8, 3, 1, "valid"],
  ["24×24×16→32 3×3 s2 same", 24, 24, 16, 32, 3, 2, "same"],
  ["24×24×16→32 5×5 s1 same", 24, 24, 16, 32, 5, 1, "same"],
  ["depthwise 24×24×64 3×3 s2 same", 24, 24, 64, 0, 3, 2, "same"],
  ["depthwise 24×24×64 3×3 s1 same", 24, 24, 64, 0, 3, 1, "same"],
];

export async function benchConvGeneral(settings) {
  const builds = [["simd", "nnSimd"], ...(relaxedSimdSupported() ? [["relaxed", "nnRelaxed"]] : [])];
  const rows = [];
  for (const [name, H, W, C, F, k, s, padding] of CASES) {
    const g = convGeometry(H, k, s, 1, padding);
    const Ho = g.out, Wo = g.out, pad = g.padBefore;
    const depthwise = F === 0;
    const macs = Ho * Wo * k * k * C * (depthwise ? 1 : F);
    const x = randomArray(H * W * C, 1), w = randomArray(k * k * C * (depthwise ? 1 : F), 2), b = randomArray(depthwise ? C : F, 3);
    const row = { case: name, macs };
    for (const [key, mod] of builds) {
      const { ex, arena, put, alloc } = wasm(mod);
      arena.reset();
      const px = put(x), po = alloc(Ho * Wo * (depthwise ? C : F));
      let call, special = null;
      if (depthwise) {
        const pw = put(w), pb = put(b);
        call = () => ex.depthwise_conv(px, H, W, C, pw, pb, po, Ho, Wo, k, k, s, s, 1, 1, pad, pad, 0);
        if (k === 3 && s === 1) special = () => ex.depthwise3x3(px, H, W, C, pw, pb, po, pad);
      } else {
        const pw = put(packConv(w, k, k, C, F)), pb = put(packBias(b, F));
        call = () => ex.conv2d_4x8(px, H, W, C, pw, pb, po, Ho, Wo, F, k, k, s, s, 1, 1, pad, pad, 0);
        if (k === 3 && s === 1 && pad === 0) {
          const pw3 = put(packConv3x3(w, C, F));
          special = () => ex.conv3x3_4x8(px, H, W, C, pw3, pb, po, F);
        }
      }
      row[key] = round(macs / (await medianMs(call, settings)) / 1e6, 2);
      if (special) row[`${key}_3x3_kernel`] = round(macs / (await medianMs(special, settings)) / 1e6, 2);
    }
    rows.push(row);
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchConvGeneral(process.argv.includes("--quick") ? SETTINGS.quick : SETTINGS.full);
  console.log("G multiply-adds/s");
  console.table(rows);
}
