// Normal vs separable: ResEZAP's nine conv layers as normal 3×3 convolutions and as separable ones, in
// naive JavaScript and in SIMD WASM, beside the multiplication ratio 130,075,776 / 16,909,540. The two
// alternate in rounds (the speed-up is the median of the rounds' ratios): this host's speed drifts within
// minutes, and slows memory traffic more than arithmetic, so one after the other they were not comparable.
import { packBias, packConv3x3, packPointwise } from "../dist/engine/pack.js";
import { conv3x3Ref, depthwiseRef, pointwiseRef } from "../dist/reference/kernels.js";
import { convLayers, medianMs, medianOf, randomArray, round, wasm } from "./lib.mjs";

export async function benchSeparable(settings, { naive = true } = {}) {
  const layers = await convLayers();
  const { ex, arena, put, alloc } = wasm("nnSimd");
  const prepared = layers.map((L, i) => {
    const x = randomArray(L.H * L.W * L.C, 10 + i), w3 = randomArray(9 * L.C * L.F, 20 + i);
    const dw = randomArray(9 * L.C, 30 + i), pw = randomArray(L.C * L.F, 40 + i), b = randomArray(L.F, 50 + i);
    return {
      L, x, w3, dw, pw, b,
      px: put(x), pw3: put(packConv3x3(w3, L.C, L.F)), pb: put(packBias(b, L.F)), pdw: put(dw), ppw: put(packPointwise(pw, L.C, L.F)),
      padded: alloc((L.H + 2) * (L.W + 2) * L.C), out: alloc(L.Ho * L.Wo * L.F), rows: Math.max(1, Math.min(L.Ho, Math.floor(3072 / (L.Wo * L.C)))),
    };
  });
  for (const p of prepared) p.scratch = alloc(p.rows * p.L.Wo * p.L.C);
  const wasmNormal = () => {
    for (const p of prepared) {
      const { L } = p;
      if (L.pad) {
        ex.zeroPad(p.px, L.H, L.W, L.C, 1, 1, 1, 1, p.padded);
        ex.conv3x3_4x8(p.padded, L.H + 2, L.W + 2, L.C, p.pw3, p.pb, p.out, L.F);
      } else ex.conv3x3_4x8(p.px, L.H, L.W, L.C, p.pw3, p.pb, p.out, L.F);
    }
  };
  const wasmSeparable = () => {
    for (const p of prepared) {
      const { L } = p;
      ex.separable3x3(p.px, L.H, L.W, L.C, p.pdw, p.ppw, p.pb, p.out, L.F, L.pad, 0, 0, p.scratch, p.rows);
    }
  };
  const jsNormal = () => { for (const p of prepared) conv3x3Ref(p.x, p.L.H, p.L.W, p.L.C, p.w3, p.b, p.L.F, p.L.pad); };
  const jsSeparable = () => {
    for (const p of prepared) pointwiseRef(depthwiseRef(p.x, p.L.H, p.L.W, p.L.C, p.dw, null, p.L.pad), p.L.Ho * p.L.Wo, p.L.C, p.pw, p.b, p.L.F);
  };
  const macsNormal = layers.reduce((s, L) => s + L.Ho * L.Wo * L.C * 9 * L.F, 0);
  const macsSeparable = layers.reduce((s, L) => s + L.Ho * L.Wo * L.C * (9 + L.F), 0);
  const res = { mult_ratio: round(macsNormal / macsSeparable, 2), macs_normal: macsNormal, macs_separable: macsSeparable };
  const rounds = settings.iterations >= 20 ? 5 : 2, per = { ...settings, time: settings.time / 2 };
  const tn = [], ts = [];
  for (let r = 0; r < rounds; r++) {
    tn.push(await medianMs(wasmNormal, per));
    ts.push(await medianMs(wasmSeparable, per));
  }
  const wn = medianOf(tn), ws = medianOf(ts);
  res.wasm = {
    normal_ms: round(wn), separable_ms: round(ws), speedup: round(medianOf(tn.map((t, i) => t / ts[i])), 2),
    normal_gmacs: round(macsNormal / wn / 1e6, 2), separable_gmacs: round(macsSeparable / ws / 1e6, 2),
    rounds_speedup: tn.map((t, i) => round(t / ts[i], 2)),
  };
  if (naive) {
    const slow = { ...settings, time: 0, iterations: Math.max(2, Math.min(settings.iterations, 5)), warmupIterations: 1, warmupTime: 0 };
    const jn = await medianMs(jsNormal, slow), js = await medianMs(jsSeparable, slow);
    res.naive_js = { normal_ms: round(jn), separable_ms: round(js), speedup: round(jn / js, 2) };
  }
  return res;
}
