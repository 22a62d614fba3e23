import { ModelFormatError } from "../errors.js";
import { LIMITS } from "../limits.js";

// Reading Keras layer configs: each reader names the layer and field when the value is not what the engine supports.

/** Activation names as Keras writes them (TF.js's camelCase spellings are read into these). */
export const ACTIVATIONS = ["linear", "relu", "relu6", "softmax", "elu", "selu", "sigmoid", "hard_sigmoid", "tanh", "swish", "silu",
  "hard_swish", "hard_silu", "softplus", "softsign", "gelu", "gelu_new", "mish", "leaky_relu"] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

const SPELLINGS: Record<string, ActivationName> = { hardSigmoid: "hard_sigmoid", hardSwish: "hard_swish", hardSilu: "hard_silu", geluNew: "gelu_new", leakyRelu: "leaky_relu" };

/**
 * An activation name from a config: a string (Keras 2, TF.js), or Keras 3's serialized function
 * ({ class_name: "function", config: "relu" }).
 */
export function activationOf(layer: string, v: unknown): ActivationName {
  let a = v ?? "linear";
  if (a && typeof a === "object" && typeof (a as any).config === "string") a = (a as any).config;
  if (typeof a === "string") {
    const n = SPELLINGS[a] ?? a;
    if ((ACTIVATIONS as readonly string[]).includes(n)) return n as ActivationName;
  }
  throw new ModelFormatError(`layer ${layer}: activation ${JSON.stringify(v)} is not supported (expected one of ${ACTIVATIONS.join(", ")})`);
}

export function paddingOf(layer: string, v: unknown): "valid" | "same" {
  const p = v ?? "valid";
  if (p === "valid" || p === "same") return p;
  throw new ModelFormatError(`layer ${layer}: padding ${JSON.stringify(v)} is not supported (expected "valid" or "same")`);
}

/** An int or a pair of ints [a, b]. */
export function pairOf(layer: string, field: string, v: unknown, dflt?: [number, number]): [number, number] {
  if (v === undefined || v === null) {
    if (dflt) return dflt;
    throw new ModelFormatError(`layer ${layer}: ${field} is missing`);
  }
  const arr = typeof v === "number" ? [v, v] : v;
  // No kernel, stride, pool or padding is useful beyond the largest image side; unbounded ones reached the
  // compiler as 2^31 (an internal error) or padded a map to 2,000,000 columns (found by scripts/fuzz.mjs).
  if (!Array.isArray(arr) || arr.length !== 2 || !arr.every((x) => Number.isInteger(x) && x >= 0 && x <= LIMITS.maxImageSide)) {
    throw new ModelFormatError(`layer ${layer}: ${field} must be an integer or a pair of integers in 0..${LIMITS.maxImageSide}, found ${JSON.stringify(v)}`);
  }
  return [arr[0], arr[1]];
}

export function positiveInt(layer: string, field: string, v: unknown, max = 1 << 16): number {
  if (!Number.isInteger(v) || (v as number) <= 0 || (v as number) > max) {
    throw new ModelFormatError(`layer ${layer}: ${field} must be an integer in 1..${max}, found ${JSON.stringify(v)}`);
  }
  return v as number;
}

export function requireValue(layer: string, field: string, v: unknown, allowed: unknown[]): void {
  if (v === undefined || v === null) return;
  if (!allowed.some((a) => JSON.stringify(a) === JSON.stringify(v))) {
    throw new ModelFormatError(
      `layer ${layer}: ${field} ${JSON.stringify(v)} is not supported (expected ${allowed.map((a) => JSON.stringify(a)).join(" or ")})`,
    );
  }
}

export function finiteNumber(layer: string, field: string, v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ModelFormatError(`layer ${layer}: ${field} must be a finite number, found ${JSON.stringify(v)}`);
  return v;
}
