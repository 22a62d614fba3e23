// The ceiling this machine puts on the network: multiply-adds per second of 128-bit WASM SIMD with nothing
// but arithmetic in the loop (assembly/nn/ceiling.ts: 12 independent f32x4 chains in registers), for each
// build, and the least time ResEZAP's multiply-adds can take at that rate. A missed speed target that asks
// for more multiply-adds per second than this cannot be met by any kernel of this build on this machine.
// Beside it, the same rate with the pointwise kernel's loads (multiplyAddLoadCeiling: its inner loop over
// 16 KB in L1, 6 loads for 8 multiply-adds, no other address arithmetic): what feeding the arithmetic from
// memory costs here, which moves with the host's phase more than the arithmetic does.
//   node --experimental-wasm-relaxed-simd benchmarks/ceiling.mjs
import { fileURLToPath } from "node:url";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { medianMs, randomArray, round, SETTINGS, wasm } from "./lib.mjs";

const ROUNDS = 200_000; // 9.6 M multiply-adds a call

/** G multiply-adds/s of the ceiling kernel of an nn module's exports `ex` (dst: 48 floats of its memory). */
export async function measureCeiling(ex, dst, settings) {
  return (ROUNDS * 48) / (await medianMs(() => ex.multiplyAddCeiling(ROUNDS, dst), settings)) / 1e6;
}

const LOAD_STEPS = 512, LOAD_ROUNDS = 600; // 16 KB read 600 times: 9.8 M multiply-adds a call

/** A 16 KB buffer for measureLoadCeiling in an nn module's arena (`wasm(name)` from lib.mjs). */
export function loadCeilingBuffer(w) {
  return w.put(randomArray(LOAD_STEPS * 8, 7));
}

/** G multiply-adds/s of the pointwise loop with its loads (buf from loadCeilingBuffer; dst: 32 floats). */
export async function measureLoadCeiling(ex, buf, dst, settings) {
  return (LOAD_STEPS * LOAD_ROUNDS * 32) / (await medianMs(() => ex.multiplyAddLoadCeiling(buf, LOAD_STEPS, LOAD_ROUNDS, dst), settings)) / 1e6;
}

export async function benchCeiling(settings) {
  const { resezap, countOps } = await import("../dist/index.js");
  const network_macs = countOps(resezap()).total.separable;
  const builds = [["simd", "nnSimd"], ...(relaxedSimdSupported() ? [["relaxed", "nnRelaxed"]] : [])];
  const out = { network_macs, rounds: ROUNDS, macs_per_call: ROUNDS * 48 };
  for (const [k, name] of builds) {
    const w = wasm(name);
    const dst = w.alloc(48), buf = loadCeilingBuffer(w);
    const gmacs = await measureCeiling(w.ex, dst, settings);
    const load = await measureLoadCeiling(w.ex, buf, dst, settings);
    out[k] = { gmacs: round(gmacs, 2), network_floor_ms: round(network_macs / gmacs / 1e6, 3), load_gmacs: round(load, 2), load_share: round(load / gmacs, 3) };
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchCeiling(SETTINGS.full), null, 2));
}
