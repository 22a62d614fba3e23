#!/usr/bin/env node
// The integer kernels against the f32 ones on ResEZAP's shapes (issue #19): per separable layer, its
// pointwise half as f32 pointwise_4x8, pointwise_i8 (relaxed int8 dot; in the plain build the same sums
// from the i16 dot, an emulation) and pointwise_i16 (i16 dot, plain SIMD); its depthwise half as f32
// depthwise3x3 and depthwise3x3_i8. Each kernel is timed in turn within a round (tinybench medians), the
// order rotating from round to round, so the host's drift falls on all alike; reported per kernel: the
// median over rounds of G multiply-adds/s, and of (f32 time / int time) within a round. The two integer
// pointwise kernels are checked to write the same bytes before anything is timed.
//   npm run build && node --experimental-wasm-relaxed-simd benchmarks/int8-kernels.mjs [--rounds N] [--quick] [--json]
import { packBias, packPointwise } from "../dist/engine/pack.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { packDepthwiseI16, packPointwiseI16, packPointwiseI8, packRequant } from "../dist/quant/pack.js";
import { QMAX7, activationParams, depthwiseRequant, pointwiseRequant, quantizeWeights } from "../dist/quant/params.js";
import { SETTINGS, convLayers, medianMs, medianOf, randomArray, round, wasm } from "./lib.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const quick = args.includes("--quick");
const rounds = opt("--rounds", quick ? 1 : 7);
const settings = quick ? { time: 20, iterations: 2, warmupTime: 10, warmupIterations: 2 } : SETTINGS.full;

const layers = await convLayers();
const builds = [["simd", "nnSimd"], ...(relaxedSimdSupported() ? [["relaxed", "nnRelaxed"]] : [])];
const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const rows = [];
for (const [build, name] of builds) {
  const { ex, arena, put } = wasm(name);
  const putBytes = (a) => {
    const b = bytesOf(a), p = arena.alloc(b.length + 64);
    arena.u8.set(b, p);
    return p;
  };
  for (const L of layers) {
    arena.reset();
    const P = L.Ho * L.Wo, pwMacs = P * L.C * L.F, dwMacs = P * L.C * 9;
    // f32 operands
    const x = randomArray(P * L.C, 1), w = randomArray(L.C * L.F, 2), b = randomArray(L.F, 3);
    const img = randomArray(L.H * L.W * L.C, 4), dw = randomArray(9 * L.C, 5);
    const px = put(x), pw = put(packPointwise(w, L.C, L.F)), pb = put(packBias(b, L.F)), po = arena.alloc(4 * P * L.F + 64);
    const pimg = put(img), pdw = put(dw), pdo = arena.alloc(4 * P * L.C + 64);
    // the same layers quantized: 7-bit activations (both integer pointwise kernels take them)
    const inp = activationParams(-0.5, 0.5, QMAX7), out = activationParams(-4, 4, QMAX7);
    const q7 = (v) => Math.min(QMAX7, Math.max(0, Math.round(v / inp.scale) + inp.zero));
    const xq = Uint8Array.from(x, q7);
    const imgq = Uint8Array.from(img, q7);
    const wq = quantizeWeights(w, L.F), dwq = quantizeWeights(dw, L.C);
    const rq = packRequant(pointwiseRequant(wq.q, L.C, L.F, wq.scale, inp, b, out), L.F);
    const drq = packRequant(depthwiseRequant(L.C, dwq.scale, inp, null, out), L.C);
    const qx = putBytes(xq), qw8 = putBytes(packPointwiseI8(wq.q, L.C, L.F)), qw16 = putBytes(packPointwiseI16(wq.q, L.C, L.F));
    const qr = putBytes(rq), qo8 = arena.alloc(P * L.F + 64), qo16 = arena.alloc(P * L.F + 64);
    const qimg = putBytes(imgq), qdw = putBytes(packDepthwiseI16(dwq.q, L.C)), qdr = putBytes(drq), qdo = arena.alloc(P * L.C + 64);
    const pad = L.pad;
    const kernels = {
      pw_f32: [pwMacs, () => ex.pointwise_4x8(px, P, L.C, pw, pb, po, L.F, 0, 0)],
      pw_i8: [pwMacs, () => ex.pointwise_i8(qx, P, L.C, qw8, qr, qo8, L.F, 0, QMAX7, 0)],
      pw_i16: [pwMacs, () => ex.pointwise_i16(qx, P, L.C, qw16, qr, qo16, L.F, 0, QMAX7, 0)],
      dw_f32: [dwMacs, () => ex.depthwise3x3(pimg, L.H, L.W, L.C, pdw, 0, pdo, pad)],
      dw_i8: [dwMacs, () => ex.depthwise3x3_i8(qimg, L.H, L.W, L.C, inp.zero, qdw, qdr, qdo, L.Ho, L.Wo, 1, pad, pad, 0, QMAX7)],
    };
    kernels.pw_i8[1]();
    kernels.pw_i16[1]();
    const a8 = arena.u8.slice(qo8, qo8 + P * L.F), a16 = arena.u8.slice(qo16, qo16 + P * L.F);
    if (!a8.every((v, i) => v === a16[i])) throw new Error(`${build} ${L.name}: pointwise_i8 and pointwise_i16 disagree`);
    const names = Object.keys(kernels), ms = Object.fromEntries(names.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      const order = names.map((_, i) => names[(i + r) % names.length]);
      for (const k of order) ms[k].push(await medianMs(kernels[k][1], settings));
    }
    const row = { build, layer: L.name, pointwise: `${P}×${L.C}→${L.F}`, depthwise: `${L.H}×${L.W}×${L.C} pad ${pad}` };
    for (const k of names) row[`${k}_gmacs`] = round(kernels[k][0] / medianOf(ms[k]) / 1e6, 2);
    for (const k of ["pw_i8", "pw_i16"]) row[`${k}_vs_f32`] = round(medianOf(ms.pw_f32.map((t, r) => t / ms[k][r])), 2);
    row.dw_i8_vs_f32 = round(medianOf(ms.dw_f32.map((t, r) => t / ms.dw_i8[r])), 2);
    rows.push(row);
  }
}
if (args.includes("--json")) console.log(JSON.stringify({ rounds, quick, rows }, null, 2));
else console.table(rows);
