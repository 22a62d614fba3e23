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
const LOAD_STEPS = 512, LOAD_ROUNDS = 600; // 16 KB read 600 times: 9.8 M multiply-adds a call

/** A meter on an nn module (nnSimd or nnRelaxed): each call measures both ceilings, in G multiply-adds/s. */
export function ceilingMeter(name) {
  const w = wasm(name);
  const dst = w.alloc(48), buf = w.put(randomArray(LOAD_STEPS * 8, 7));
  return async (settings) => ({
    gmacs: (ROUNDS * 48) / (await medianMs(() => w.ex.multiplyAddCeiling(ROUNDS, dst), settings)) / 1e6,
    load: (LOAD_STEPS * LOAD_ROUNDS * 32) / (await medianMs(() => w.ex.multiplyAddLoadCeiling(buf, LOAD_STEPS, LOAD_ROUNDS, dst), settings)) / 1e6,
  });
}

export async function benchCeiling(settings) {
  const { resezap, countOps } = await import("../dist/index.js");
  const network_macs = countOps(resezap()).total.separable;
  const builds = [["simd", "nnSimd"], ...(relaxedSimdSupported() ? [["relaxed", "nnRelaxed"]] : [])];
  const out = { network_macs, rounds: ROUNDS, macs_per_call: ROUNDS * 48 };
  for (const [k, name] of builds) {
    const { gmacs, load } = await ceilingMeter(name)(settings);
    out[k] = { gmacs: round(gmacs, 2), network_floor_ms: round(network_macs / gmacs / 1e6, 3), load_gmacs: round(load, 2), load_share: round(load / gmacs, 3) };
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchCeiling(SETTINGS.full), null, 2));
}
