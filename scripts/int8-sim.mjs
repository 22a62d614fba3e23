#!/usr/bin/env node
// An experiment, not the library's quantize(): ResEZAP run on the integer kernels (assembly/nn/q*.ts), to
// see what the int8 format of issue #19 costs in accuracy before the engine carries it. Batch norm folded
// into each pointwise layer; activation ranges calibrated on Training faces (min/max, or a percentile of
// the values with --pct); every separable layer's depthwise output and batch-norm output quantized (7-bit:
// pointwise_i8; --bits 8: pointwise_i16; --bits 9..15: u16 activations on the *_a16 kernels), the block's
// residual join with add_u8 / add_a16 (ReLU as qmin), the pool with avgPool2x2_u8 / avgPool2x2_a16; the
// first layer's input is the grey level itself (scale 1/255, exact); the head (global max, dense, batch
// norm, dense) in f32 from the dequantized pooled tensor. Calibration on the first --calib Training faces.
// Compared with the f32 model (model.predict) on PublicTest: accuracy of each and top-1 agreement.
//   npm run build && node --experimental-wasm-relaxed-simd scripts/int8-sim.mjs --data ../shared/data/fer2013/fer2013.csv.gz
//     [--model models/fer2013] [--calib 500] [--limit N] [--pct 99.99] [--bits 7|8|12] [--dw-wbits 12] [--pw-wbits 12]
//     [--split Training] [--fake REGEX [--fake-bits N] [--wide REGEX] [--per-channel REGEX] [--keep-w REGEX]]
// (each option is described where it is read). docs/int8.md lists what they measured.
// --fake REGEX runs the f32 forward with only the tensors whose name matches quantized and dequantized
// (names: b1l1.dw, b1l1.y, …, b1.z), instead of the int8 kernels: which tensors cost the agreement.
import { loadLayersModel } from "../dist/index.js";
import { loadFer2013Splits } from "../dist/train/fer2013.js";
import { Arena, instantiateSync, relaxedSimdSupported } from "../dist/engine/wasm.js";
import { enableRelaxedSimd } from "../dist/engine/relaxed.js";
import { packBias, packPointwise } from "../dist/engine/pack.js";
import { packDepthwiseI16, packPointwiseI16, packPointwiseI8, packRequant } from "../dist/quant/pack.js";
import { QMAX7, activationBits, activationParams, depthwiseRequant, pointwiseRequant, quantizeWeights, quantizeWeights16, rescale } from "../dist/quant/params.js";

const args = process.argv.slice(2);
const arg = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const data = arg("--data", "../shared/data/fer2013/fer2013.csv.gz");
const nCalib = Number(arg("--calib", 500)), limit = Number(arg("--limit", Infinity)), pct = Number(arg("--pct", 100));
// --dw-wbits N: depthwise weights of N bits (8: int8; up to 12 in depthwise3x3_*'s i16 lanes)
const dwBits = Number(arg("--dw-wbits", 8)), quantizeDw = (w, C) => (dwBits === 8 ? quantizeWeights(w, C) : quantizeWeights16(w, C, 2 ** (dwBits - 1) - 1));
// --pw-wbits N: pointwise weights of N bits (i16 path only: pointwise_i16, pointwise_a16 widen them to i16 lanes anyway)
const pwBits = Number(arg("--pw-wbits", 8)), quantizePw = (w, F) => (pwBits === 8 ? quantizeWeights(w, F) : quantizeWeights16(w, F, 2 ** (pwBits - 1) - 1));
const bits = Number(arg("--bits", 7)), QMAX = 2 ** bits - 1, wideAct = bits > 8, E = wideAct ? 2 : 1;
if (!activationBits(QMAX)) throw new RangeError(`int8-sim: --bits ${bits} is not in 7..15`);
if (pwBits > 8 && bits < 8) throw new RangeError("int8-sim: --pw-wbits above 8 needs the i16 path (--bits 8 or more)");

await enableRelaxedSimd();
const model = await loadLayersModel(arg("--model", "models/fer2013"));
const L = Object.fromEntries(model.layers.map((l) => [l.name, l]));
// --split Training: the last --limit Training faces (never the calibration ones), for choosing a scheme
// without looking at PublicTest, which reports it
const evalSplit = arg("--split", "PublicTest");
const splits = await loadFer2013Splits(data, evalSplit === "Training" ? ["Training"] : ["Training", evalSplit]);
const ex = instantiateSync(relaxedSimdSupported() ? "nnRelaxed" : "nnSimd").exports;
const arena = new Arena(ex);
const alloc = (bytes) => arena.alloc(bytes + 64);
const putF = (a) => { const p = alloc(4 * a.length); arena.writeF32(p, a); return p; };
const putB = (a) => { const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), p = alloc(b.length); arena.u8.set(b, p); return p; };

// ---- the layers, batch norm folded into each pointwise ----
function bnAffine(bn) {
  const mean = bn.weight("moving_mean"), v = bn.weight("moving_variance"), C = mean.length;
  const gamma = bn.scale ? bn.weight("gamma") : new Float32Array(C).fill(1), beta = bn.center ? bn.weight("beta") : new Float32Array(C);
  const scale = new Float64Array(C), shift = new Float64Array(C);
  for (let c = 0; c < C; c++) { scale[c] = gamma[c] / Math.sqrt(v[c] + bn.epsilon); shift[c] = beta[c] - mean[c] * scale[c]; }
  return { scale, shift };
}
const seps = [];
for (let b = 1; b <= 3; b++) for (let l = 1; l <= 3; l++) {
  const s = L[`block${b}_sepconv${l}`], { scale, shift } = bnAffine(L[`block${b}_bn${l}`]);
  const [H, W, C] = s.inputShapes[0], [Ho, Wo, F] = s.output.shape, pad = s.padding === "same" ? 1 : 0;
  const pw = s.weight("pointwise_kernel").map((v, i) => v * scale[i % F]);
  const bias = new Float32Array(F);
  const b0 = s.useBias ? s.weight("bias") : new Float32Array(F);
  for (let f = 0; f < F; f++) bias[f] = b0[f] * scale[f] + shift[f];
  seps.push({ name: `b${b}l${l}`, H, W, C, Ho, Wo, F, pad, dw: s.weight("depthwise_kernel"), pw, bias });
}
const d96 = L.dense_96, bnD = bnAffine(L.dense_bn), pred = L.predictions;

// ---- f32 forward on the f32 kernels, keeping every tensor the int8 path quantizes ----
for (const s of seps) {
  s.fdw = putF(s.dw); s.fpw = putF(packPointwise(s.pw, s.C, s.F)); s.fb = putF(packBias(s.bias, s.F));
  s.fd = alloc(4 * s.Ho * s.Wo * s.C); s.fy = alloc(4 * s.Ho * s.Wo * s.F);
  // the same weights after int8 per-channel quantization, for --fake (weights are always quantized there)
  const dq = quantizeDw(s.dw, s.C), wq = quantizePw(s.pw, s.F);
  s.fdwQ = putF(Float32Array.from(dq.q, (q, i) => q * dq.scale[i % s.C]));
  s.fpwQ = putF(packPointwise(Float32Array.from(wq.q, (q, i) => q * wq.scale[i % s.F]), s.C, s.F));
}
const fin = alloc(4 * 48 * 48);
// --keep-w REGEX (with --fake): those layers' weights stay f32 (names b1l1.dw, b1l1.pw, …)
const keepW = new RegExp(arg("--keep-w", "^$"));
const view = (p, n) => arena.f32.subarray(p >> 2, (p >> 2) + n);
function poolF(x, H, W, C) { // ZeroPadding2D(1) then AveragePooling2D 2×2/2
  const Ho = Math.floor(H / 2) + 1, Wo = Math.floor(W / 2) + 1, out = new Float32Array(Ho * Wo * C);
  for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) for (let c = 0; c < C; c++) {
    let s = 0;
    for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 2; kx++) {
      const iy = 2 * oy - 1 + ky, ix = 2 * ox - 1 + kx;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += x[(iy * W + ix) * C + c];
    }
    out[(oy * Wo + ox) * C + c] = s / 4;
  }
  return { out, Ho, Wo };
}
function head(g) { // g: the 96 pooled features → class
  const F1 = 96, h = new Float64Array(F1), k1 = d96.weight("kernel"), b1 = d96.weight("bias");
  for (let f = 0; f < F1; f++) { let s = b1[f]; for (let c = 0; c < g.length; c++) s += g[c] * k1[c * F1 + f]; h[f] = s * bnD.scale[f] + bnD.shift[f]; }
  const k2 = pred.weight("kernel"), b2 = pred.weight("bias");
  let best = 0, bv = -Infinity;
  for (let f = 0; f < 7; f++) { let s = b2[f]; for (let c = 0; c < F1; c++) s += h[c] * k2[c * 7 + f]; if (s > bv) { bv = s; best = f; } }
  return best;
}
function globalMax(x, P, C) { const g = new Float32Array(C).fill(-Infinity); for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) g[c] = Math.max(g[c], x[p * C + c]); return g; }

/** f32 forward of face i; visit(name, values, channels) sees every tensor the int8 path quantizes; qw: int8-rounded weights. */
function forwardF32(pixels, visit, qw = false) {
  const x = new Float32Array(2304);
  for (let i = 0; i < 2304; i++) x[i] = pixels[i] / 255;
  arena.writeF32(fin, x);
  let src = fin;
  let cur = null;
  for (let b = 0; b < 3; b++) {
    let y1 = null;
    for (let l = 0; l < 3; l++) {
      const s = seps[3 * b + l];
      ex.depthwise3x3(src, s.H, s.W, s.C, qw && !keepW.test(`${s.name}.dw`) ? s.fdwQ : s.fdw, 0, s.fd, s.pad);
      visit?.(`${s.name}.dw`, view(s.fd, s.Ho * s.Wo * s.C), s.C);
      ex.pointwise_4x8(s.fd, s.Ho * s.Wo, s.C, qw && !keepW.test(`${s.name}.pw`) ? s.fpwQ : s.fpw, s.fb, s.fy, s.F, 0, 0);
      visit?.(`${s.name}.y`, view(s.fy, s.Ho * s.Wo * s.F), s.F);
      if (l === 0) y1 = view(s.fy, s.Ho * s.Wo * s.F);
      src = s.fy;
    }
    const s = seps[3 * b + 2], n = s.Ho * s.Wo * s.F, y3 = view(s.fy, n), z = new Float32Array(n);
    for (let i = 0; i < n; i++) z[i] = Math.max(0, y3[i] + y1[i]);
    visit?.(`b${b + 1}.z`, z, s.F);
    const p = poolF(z, s.Ho, s.Wo, s.F);
    cur = p;
    if (b < 2) { src = alloc(4 * p.out.length); arena.writeF32(src, p.out); }
  }
  return head(globalMax(cur.out, cur.Ho * cur.Wo, 96));
}

// ---- calibration ----
const calib = splits.Training, mark0 = arena.mark();
const stats = new Map();
for (let i = 0; i < Math.min(nCalib, calib.n); i++) {
  arena.reset(mark0);
  forwardF32(calib.pixels.subarray(i * 2304, (i + 1) * 2304), (name, v, C) => {
    let st = stats.get(name);
    if (!st) stats.set(name, (st = { min: Infinity, max: -Infinity, sample: [], C, cmin: new Float64Array(C).fill(Infinity), cmax: new Float64Array(C).fill(-Infinity) }));
    for (let k = 0; k < v.length; k++) { const a = v[k]; if (a < st.min) st.min = a; if (a > st.max) st.max = a; }
    for (let k = 0; k < v.length; k++) { const a = v[k], c = k % C; if (a < st.cmin[c]) st.cmin[c] = a; if (a > st.cmax[c]) st.cmax[c] = a; }
    if (pct < 100) { const step = Math.max(1, Math.ceil((v.length * nCalib) / 300000)); for (let k = i % step; k < v.length; k += step) st.sample.push(v[k]); }
  });
}
arena.reset(mark0);
function range(name) {
  const st = stats.get(name);
  if (pct >= 100) return [st.min, st.max];
  const s = Float32Array.from(st.sample).sort(), q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.floor(p * (s.length - 1))))];
  return [Math.min(0, q(1 - pct / 100)), q(pct / 100)];
}
const P = (name) => activationParams(...range(name), QMAX);

// ---- the int8 program ----
const pin = { scale: 1 / 255, zero: 0, qmax: 255 }; // grey /255 in [0, 1]: the pixel itself, exact
const pw8 = wideAct ? "pointwise_a16" : QMAX === QMAX7 ? "pointwise_i8" : "pointwise_i16";
const dw8 = wideAct ? "depthwise3x3_a16" : "depthwise3x3_i8", add8 = wideAct ? "add_a16" : "add_u8", pool8 = wideAct ? "avgPool2x2_a16" : "avgPool2x2_u8";
let inP = pin;
const blocks = [];
for (let b = 0; b < 3; b++) {
  const blk = { layers: [] };
  for (let l = 0; l < 3; l++) {
    const s = seps[3 * b + l], pd = P(`${s.name}.dw`), py = P(`${s.name}.y`);
    const dq = quantizeDw(s.dw, s.C), wq = quantizePw(s.pw, s.F);
    blk.layers.push({
      s, pIn: inP, pd, py,
      w: putB(packDepthwiseI16(dq.q, s.C)), q: putB(packRequant(depthwiseRequant(s.C, dq.scale, inP, null, pd), s.C)),
      pw: putB(QMAX === QMAX7 ? packPointwiseI8(wq.q, s.C, s.F) : packPointwiseI16(wq.q, s.C, s.F)),
      pq: putB(packRequant(pointwiseRequant(wq.q, s.C, s.F, wq.scale, pd, s.bias, py), s.F)),
      d: alloc(E * s.Ho * s.Wo * s.C), y: alloc(E * s.Ho * s.Wo * s.F),
    });
    inP = py;
  }
  const s = seps[3 * b + 2];
  blk.pz = { ...P(`b${b + 1}.z`), zero: 0 }; // after the ReLU
  blk.z = alloc(E * s.Ho * s.Wo * s.F);
  blk.Hp = Math.floor(s.Ho / 2) + 1; blk.Wp = Math.floor(s.Wo / 2) + 1;
  blk.pool = alloc(E * blk.Hp * blk.Wp * s.F);
  inP = blk.pz; // the pool keeps the scale: m = 1/4
  blocks.push(blk);
}
const qin = alloc(E * 2304);
const acts = (p, n) => (wideAct ? new Uint16Array(arena.u8.buffer, p, n) : arena.u8.subarray(p, p + n));
function forwardInt8(pixels) {
  acts(qin, 2304).set(pixels);
  let src = qin;
  for (const blk of blocks) {
    for (const t of blk.layers) {
      const s = t.s;
      ex[dw8](src, s.H, s.W, s.C, t.pIn.zero, t.w, t.q, t.d, s.Ho, s.Wo, 1, s.pad, s.pad, 0, t.pd.qmax);
      ex[pw8](t.d, s.Ho * s.Wo, s.C, t.pw, t.pq, t.y, s.F, 0, t.py.qmax, 0);
      src = t.y;
    }
    const [l1, , l3] = blk.layers, s = l3.s, n = s.Ho * s.Wo * s.F;
    ex[add8](l3.y, l3.py.zero, rescale(l3.py.scale, blk.pz.scale), l1.y, l1.py.zero, rescale(l1.py.scale, blk.pz.scale), n, blk.z, 0, 0, blk.pz.qmax);
    ex[pool8](blk.z, s.Ho, s.Wo, s.F, 0, 1, 1, blk.Hp, blk.Wp, 0.25, 0, blk.pz.qmax, blk.pool);
    src = blk.pool;
  }
  const last = blocks[2], C = 96, Pn = last.Hp * last.Wp, g = new Float32Array(C), q = acts(last.pool, Pn * C);
  for (let p = 0; p < Pn; p++) for (let c = 0; c < C; c++) g[c] = Math.max(g[c], q[p * C + c]);
  return head(g.map((v) => v * last.pz.scale));
}

// ---- --fake REGEX: the f32 forward with only the matching tensors quantized and dequantized in place
// (the calibrated parameters), to see which tensors cost the agreement ----
const fake = args.includes("--fake") ? new RegExp(arg("--fake")) : null;
// --fake-bits N: the fake-quantized tensors get N bits (any N: what a wider activation would give);
// --wide REGEX: only those tensors get --fake-bits, the others --bits;
// --per-channel REGEX: those tensors get one range per channel (min/max) instead of one per tensor.
const fakeBits = Number(arg("--fake-bits", bits)), wide = new RegExp(arg("--wide", "."));
const perChannel = args.includes("--per-channel") ? new RegExp(arg("--per-channel")) : null;
function fparams(lo, hi, relu, FQ) {
  lo = Math.min(lo, 0); hi = Math.max(hi, 0);
  const scale = hi > lo ? (hi - lo) / FQ : 1, zero = relu ? 0 : Math.round(-lo / scale);
  return { scale, zero, qmax: FQ };
}
const params = new Map([...stats.keys()].map((k) => {
  const st = stats.get(k), relu = k.endsWith(".z"), FQ = 2 ** (wide.test(k) ? fakeBits : bits) - 1;
  if (perChannel && perChannel.test(k)) return [k, Array.from({ length: st.C }, (_, c) => fparams(st.cmin[c], st.cmax[c], relu, FQ))];
  const [lo, hi] = range(k), p = fparams(lo, hi, relu, FQ);
  return [k, Array.from({ length: st.C }, () => p)];
}));
function fakeQuant(name, v) {
  if (!fake || !fake.test(name)) return;
  const ps = params.get(name), C = ps.length;
  for (let k = 0; k < v.length; k++) { const p = ps[k % C]; v[k] = p.scale * (Math.min(p.qmax, Math.max(0, Math.round(v[k] / p.scale) + p.zero)) - p.zero); }
}

// ---- PublicTest ----
const test = splits[evalSplit], n = Math.min(limit, test.n), first = evalSplit === "Training" ? test.n - n : 0;
if (first < Math.min(nCalib, calib.n) && evalSplit === "Training") throw new RangeError("int8-sim: --split Training: the faces evaluated overlap the calibration ones");
const mark1 = arena.mark();
let okF = 0, okQ = 0, agree = 0, okModel = 0, modelAgree = 0;
for (let i = 0; i < n; i++) {
  const px = test.pixels.subarray((first + i) * 2304, (first + i + 1) * 2304), y = test.labels[first + i];
  arena.reset(mark1);
  const f = forwardF32(px), q = fake ? forwardF32(px, fakeQuant, true) : forwardInt8(px);
  const probs = model.predict(Float32Array.from(px, (v) => v / 255));
  let m = 0;
  for (let k = 1; k < 7; k++) if (probs[k] > probs[m]) m = k;
  okF += f === y; okQ += q === y; agree += f === q; okModel += m === y; modelAgree += m === f;
}
const pc = (k) => Math.round((1e4 * k) / n) / 100;
console.log(JSON.stringify({
  split: evalSplit, faces: n, ...(fake ? { fake_quantized: String(fake) } : {}), calibration: Math.min(nCalib, calib.n), statistic: pct >= 100 ? "min/max" : `percentile ${pct}`, bits, depthwise_weight_bits: dwBits, pointwise_weight_bits: pwBits, kernel: pw8,
  f32_accuracy: pc(okF), int8_accuracy: pc(okQ), top1_agreement: pc(agree), model_predict_accuracy: pc(okModel), our_f32_vs_model_predict: pc(modelAgree),
}, null, 1));
