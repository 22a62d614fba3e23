import type { Op } from "../abi/nn.js";
import type { ActivationSpec } from "../layers/activation.js";

/** A tensor of the compiled program: where one example's values live in WASM memory. */
export interface CTensor {
  ptr: number;
  shape: readonly number[];
  /** floats */
  size: number;
}

/** What a layer's emit() may fold in from the layers after it. */
export interface Fusion {
  /** A following inference batch norm as per-channel out·scale + shift. */
  affine?: { scale: Float32Array; shift: Float32Array };
  /** The other input of a following two-input Add (its address): out = out + residual, before any fused ReLU. */
  residual?: number;
  /** A following element-wise activation (a ReLU, or any other where the layer's own activation is linear). */
  activation?: ActivationSpec;
  /** A following AveragePooling2D ("valid") that a ZeroPadding2D folds into itself. */
  pool?: { poolSize: [number, number]; strides: [number, number] };
}

/** What a layer's emit() can ask of the compiler. */
export interface Emitter {
  /** Copies (already packed) f32 weights into memory once, subnormals made 0 (flushSubnormals); returns their address. */
  weights(values: Float32Array): number;
  /** Copies a lookup table (i32 words, or i32 and f32 mixed) into memory as its bytes are; returns its address. */
  table(values: Int32Array | Float32Array): number;
  /** A temporary buffer of `floats` floats, valid until this layer's ops end. */
  scratch(floats: number): number;
  /** Appends an op to the program. */
  op(code: Op, ...args: number[]): void;
}
