#!/usr/bin/env node
// The integer kernels against the f32 ones on ResEZAP's shapes (issue #19): per separable layer, its
// pointwise half as f32 pointwise_4x8, pointwise_i8 (relaxed int8 dot; in the plain build the same sums
// from the i16 dot, an emulation) and pointwise_i16 (i16 dot, plain SIMD); its depthwise half as f32
// depthwise3x3 and depthwise3x3_i8. Each kernel is timed in turn within a round (tinybench medians), the
// order rotating from round to round, so the host's drift falls on all alike; reported per kernel: the
// median over rounds of G multiply-adds/s, and of (f32 time / int time) within a round. The two integer
// pointwise kernels are checked to write the same bytes before anything is timed.
// With --yunet H W: the same kernels on YuNet's 1×1 and depthwise 3×3 ops at an H×W frame (taken from its
// compiled f32 program, each op a row), and the totals over them: what its convolutions would take on the
// integer kernels (issue #16's ×3 target), before any quantize/dequantize pass.
//   npm run build && node --experimental-wasm-relaxed-simd benchmarks/int8-kernels.mjs [--yunet H W] [--rounds N] [--quick] [--json]
import { packBias, packPointwise } from "../dist/engine/pack.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { packDepthwiseI16, packPointwiseI16, packPointwiseI8, packRequant } from "../dist/quant/pack.js";
import { QMAX7, activationParams, depthwiseRequant, pointwiseRequant, quantizeWeights } from "../dist/quant/params.js";
import { SETTINGS, convLayers, cpuFlags, medianMs, medianOf, randomArray, round, wasm } from "./lib.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const quick = args.includes("--quick");
const rounds = opt("--rounds", quick ? 1 : 7);
const settings = quick ? { time: 20, iterations: 2, warmupTime: 10, warmupIterations: 2 } : SETTINGS.full;

const yunetAt = args.indexOf("--yunet");
const layers = yunetAt >= 0 ? await yunetOps(Number(args[yunetAt + 1] ?? 480), Number(args[yunetAt + 2] ?? 640)) : (await convLayers()).map(separable);

/** A ResEZAP separable layer as both halves: the pointwise on its output pixels, the depthwise on its input. */
function separable(L) {
  return { name: L.name, pw: { P: L.Ho * L.Wo, C: L.C, F: L.F }, dw: { H: L.H, W: L.W, C: L.C, pad: L.pad, Ho: L.Ho, Wo: L.Wo, relu: false } };
}

/** YuNet's Pointwise and Depthwise ops at an H×W frame, one half each, in program order. */
async function yunetOps(H, W) {
  const { YuNetDetector } = await import("../dist/detect/yunet.js");
  const { Op, OP_WORDS } = await import("../dist/abi/nn.js");
  const { model } = YuNetDetector.default().onnx.forSize(Math.ceil(H / 32) * 32, Math.ceil(W / 32) * 32);
  model.predict(new Float32Array(model.inputShape.reduce((a, b) => a * b, 1)));
  const p = model.compiled();
  const word = (k, i) => p.arena.i32[(p.prog >> 2) + k * OP_WORDS + i];
  const ops = [];
  for (let k = 0; k < p.nOps; k++) {
    if (word(k, 0) === Op.Pointwise) ops.push({ name: `op ${k}`, pw: { P: word(k, 2), C: word(k, 3), F: word(k, 7) } });
    if (word(k, 0) === Op.Depthwise) {
      const [h, w, c, pad] = [word(k, 2), word(k, 3), word(k, 4), word(k, 8)];
      ops.push({ name: `op ${k}`, dw: { H: h, W: w, C: c, pad, Ho: h - 2 + 2 * pad, Wo: w - 2 + 2 * pad, relu: word(k, 9) !== 0 } });
    }
  }
  return ops;
}
const builds = [["simd", "nnSimd"], ...(relaxedSimdSupported() ? [["relaxed", "nnRelaxed"]] : [])];
const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const rows = [], totals = [];
for (const [build, name] of builds) {
  const { ex, arena, put } = wasm(name);
  const putBytes = (a) => {
    const b = bytesOf(a), p = arena.alloc(b.length + 64);
    arena.u8.set(b, p);
    return p;
  };
  const total = {};
  for (const L of layers) {
    arena.reset();
    const kernels = {};
    const inp = activationParams(-0.5, 0.5, QMAX7), out = activationParams(-4, 4, QMAX7);
    const q7 = (v) => Math.min(QMAX7, Math.max(0, Math.round(v / inp.scale) + inp.zero));
    const row = { build, layer: L.name };
    if (L.pw) {
      const { P, C, F } = L.pw, macs = P * C * F;
      const x = randomArray(P * C, 1), w = randomArray(C * F, 2), b = randomArray(F, 3);
      const px = put(x), pw = put(packPointwise(w, C, F)), pb = put(packBias(b, F)), po = arena.alloc(4 * P * F + 64);
      // the same layer quantized: 7-bit activations (both integer pointwise kernels take them)
      const wq = quantizeWeights(w, F);
      const rq = packRequant(pointwiseRequant(wq.q, C, F, wq.scale, inp, b, out), F);
      const qx = putBytes(Uint8Array.from(x, q7)), qw8 = putBytes(packPointwiseI8(wq.q, C, F)), qw16 = putBytes(packPointwiseI16(wq.q, C, F));
      const qr = putBytes(rq), qo8 = arena.alloc(P * F + 64), qo16 = arena.alloc(P * F + 64);
      kernels.pw_f32 = [macs, () => ex.pointwise_4x8(px, P, C, pw, pb, po, F, 0, 0)];
      kernels.pw_i8 = [macs, () => ex.pointwise_i8(qx, P, C, qw8, qr, qo8, F, 0, QMAX7, 0)];
      kernels.pw_i16 = [macs, () => ex.pointwise_i16(qx, P, C, qw16, qr, qo16, F, 0, QMAX7, 0)];
      kernels.pw_i8[1]();
      kernels.pw_i16[1]();
      const a8 = arena.u8.slice(qo8, qo8 + P * F), a16 = arena.u8.slice(qo16, qo16 + P * F);
      if (!a8.every((v, i) => v === a16[i])) throw new Error(`${build} ${L.name}: pointwise_i8 and pointwise_i16 disagree`);
      row.pointwise = `${P}×${C}→${F}`;
    }
    if (L.dw) {
      const { H, W, C, pad, Ho, Wo, relu } = L.dw, macs = Ho * Wo * C * 9;
      const img = randomArray(H * W * C, 4), dw = randomArray(9 * C, 5);
      const pimg = put(img), pdw = put(dw), pdo = arena.alloc(4 * Ho * Wo * C + 64);
      const dwq = quantizeWeights(dw, C);
      const drq = packRequant(depthwiseRequant(C, dwq.scale, inp, null, out), C);
      const qimg = putBytes(Uint8Array.from(img, q7)), qdw = putBytes(packDepthwiseI16(dwq.q, C)), qdr = putBytes(drq), qdo = arena.alloc(Ho * Wo * C + 64);
      // f32 with the ReLU where the op has it; the integer kernel's clamp at the zero point is that ReLU
      const f32 = relu ? ex.depthwise3x3_relu : ex.depthwise3x3;
      kernels.dw_f32 = [macs, () => f32(pimg, H, W, C, pdw, 0, pdo, pad)];
      kernels.dw_i8 = [macs, () => ex.depthwise3x3_i8(qimg, H, W, C, inp.zero, qdw, qdr, qdo, Ho, Wo, 1, pad, pad, relu ? out.zero : 0, QMAX7)];
      row.depthwise = `${H}×${W}×${C} pad ${pad}`;
    }
    const names = Object.keys(kernels), ms = Object.fromEntries(names.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      const order = names.map((_, i) => names[(i + r) % names.length]);
      for (const k of order) ms[k].push(await medianMs(kernels[k][1], settings));
    }
    for (const k of names) {
      row[`${k}_gmacs`] = round(kernels[k][0] / medianOf(ms[k]) / 1e6, 2);
      total[k] = (total[k] ?? 0) + medianOf(ms[k]);
    }
    for (const k of ["pw_i8", "pw_i16"]) if (ms[k]) row[`${k}_vs_f32`] = round(medianOf(ms.pw_f32.map((t, r) => t / ms[k][r])), 2);
    if (ms.dw_i8) row.dw_i8_vs_f32 = round(medianOf(ms.dw_f32.map((t, r) => t / ms.dw_i8[r])), 2);
    rows.push(row);
  }
  totals.push({ build, ...Object.fromEntries(Object.entries(total).map(([k, t]) => [`${k}_ms`, round(t, 3)])) });
}
if (args.includes("--json")) console.log(JSON.stringify({ rounds, quick, cpuFlags: cpuFlags(), rows, totals }, null, 2));
else {
  console.log(`CPU flags: ${cpuFlags()}`);
  console.table(rows);
  console.log("sums of the per-op medians (ms):");
  console.table(totals);
}
