// The ceiling this machine puts on the network: multiply-adds per second of 128-bit WASM SIMD with nothing
// but arithmetic in the loop (assembly/nn/ceiling.ts: 12 independent f32x4 chains in registers), for each
// build, and the least time ResEZAP's multiply-adds can take at that rate. A missed speed target that asks
// for more multiply-adds per second than this cannot be met by any kernel of this build on this machine.
//   node --experimental-wasm-relaxed-simd benchmarks/ceiling.mjs
import { fileURLToPath } from "node:url";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { medianMs, round, SETTINGS, wasm } from "./lib.mjs";

const ROUNDS = 200_000; // 9.6 M multiply-adds a call

/** G multiply-adds/s of the ceiling kernel of an nn module's exports `ex` (dst: 48 floats of its memory). */
export async function measureCeiling(ex, dst, settings) {
  return (ROUNDS * 48) / (await medianMs(() => ex.multiplyAddCeiling(ROUNDS, dst), settings)) / 1e6;
}

export async function benchCeiling(settings) {
  const { resezap, countOps } = await import("../dist/index.js");
  const network_macs = countOps(resezap()).total.separable;
  const builds = [["simd", "nnSimd"], ...(relaxedSimdSupported() ? [["relaxed", "nnRelaxed"]] : [])];
  const out = { network_macs, rounds: ROUNDS, macs_per_call: ROUNDS * 48 };
  for (const [k, name] of builds) {
    const { ex, alloc } = wasm(name);
    const dst = alloc(48);
    const gmacs = await measureCeiling(ex, dst, settings);
    out[k] = { gmacs: round(gmacs, 2), network_floor_ms: round(network_macs / gmacs / 1e6, 3) };
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchCeiling(SETTINGS.full), null, 2));
}
