// Relaxed SIMD (fused multiply-add) is on by default in Chrome and Node ≥ 22, behind a flag in Node 20.
// enableRelaxedSimd() sets that flag in this process (V8 reads it when a module compiles), so code that
// owns its process (the CLI, the benchmarks, an application) can opt in; the library never does it itself.
import { relaxedSimdSupported } from "./wasm.js";

export async function enableRelaxedSimd(): Promise<boolean> {
  if (relaxedSimdSupported()) return true;
  if (typeof process === "undefined" || !process.versions?.node) return false;
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  return relaxedSimdSupported();
}
