import { ArgumentError } from "../errors.js";
import { size } from "../layers/layer.js";
import { LIMITS } from "../limits.js";
import { convertGraph, type OnnxGraph } from "./convert.js";
import { graphOf } from "./graph.js";

// An imported ONNX model. Its NCHW graph runs on the engine's NHWC layers, converted once for each input
// height × width it is given (ONNX models such as YuNet leave them free) and compiled once per size; the last
// few sizes stay compiled.

const SIZES_KEPT = 4;

/** One output of run(): ONNX dims (batch first) and values in ONNX's order. */
export interface OnnxTensor {
  dims: number[];
  data: Float32Array;
}

type Converted = ReturnType<typeof convertGraph>;

export class OnnxModel {
  private readonly compiled = new Map<string, Converted>();

  constructor(readonly graph: OnnxGraph) {}

  get inputName(): string {
    return this.graph.input.name;
  }

  /** [N, C, H, W] as declared: numbers, or names / null where the model leaves a dimension free. */
  get inputDims(): (number | string | null)[] {
    return this.graph.input.dims;
  }

  get outputNames(): string[] {
    return this.graph.outputs;
  }

  /**
   * The size to convert at when the input leaves nothing free but the batch: axes 2 and 3 of a rank-4 input
   * (height and width of an NCHW image), [0, 0] for other ranks; null when something is free.
   */
  get fixedSize(): [number, number] | null {
    const d = this.graph.input.dims;
    if (!d.slice(1).every((v) => typeof v === "number")) return null;
    return d.length === 4 ? [d[2] as number, d[3] as number] : [0, 0];
  }

  /**
   * The engine's Model for inputs whose ONNX axes 2 and 3 are height × width: an NCHW image input becomes NHWC
   * [height, width, C] (inputLayout "image"), any other input stays in ONNX's order ("plain"); outputs are in
   * the engine's layout (see `outputs`). Converted and compiled once per size.
   */
  forSize(height: number, width: number): Converted {
    const fixed = this.fixedSize;
    if (fixed && (fixed[0] !== height || fixed[1] !== width)) {
      throw new ArgumentError(`${this.graph.file}: input ${this.inputName} is ${fixed[0]}×${fixed[1]}, found ${height}×${width}`);
    }
    if (this.graph.input.dims.length === 4) {
      for (const [v, what] of [[height, "height"], [width, "width"]] as const) {
        if (!Number.isInteger(v) || v < 1 || v > LIMITS.maxImageSide) throw new ArgumentError(`${this.graph.file}: input ${what} must be an integer in 1..${LIMITS.maxImageSide}, found ${v}`);
      }
    }
    const key = `${height}x${width}`;
    let c = this.compiled.get(key);
    if (c) {
      this.compiled.delete(key);
    } else {
      c = convertGraph(this.graph, height, width);
      if (this.compiled.size >= SIZES_KEPT) this.compiled.delete(this.compiled.keys().next().value!);
    }
    this.compiled.set(key, c);
    return c;
  }

  /**
   * ONNX Runtime style: x holds [N, C, H, W] values in NCHW order; returns every output by name, in ONNX's order
   * and dims (batch N first). Values are converted to the engine's layout and back here.
   */
  run(x: Float32Array, dims: number[]): Record<string, OnnxTensor> {
    const declared = this.graph.input.dims;
    const [N, C, H, W] = dims;
    if (dims.length !== declared.length || dims.some((v, i) => i > 0 && typeof declared[i] === "number" && declared[i] !== v)) {
      throw new ArgumentError(`${this.graph.file}: input ${this.inputName} is [${declared.join(", ")}], found dims [${dims.join(", ")}]`);
    }
    const count = dims.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(N) || N < 1 || x.length !== count) {
      throw new ArgumentError(`${this.graph.file}: input ${this.inputName}: ${x.length} values for dims [${dims.join(", ")}] (${count} expected)`);
    }
    const { model, inputLayout, outputs } = dims.length === 4 ? this.forSize(H, W) : this.forSize(0, 0);
    let feed = x;
    if (inputLayout === "image") {
      // ONNX NCHW → the engine's NHWC
      feed = new Float32Array(x.length);
      const plane = H * W;
      for (let n = 0; n < N; n++) {
        const o = n * C * plane;
        for (let c = 0; c < C; c++) for (let p = 0; p < plane; p++) feed[o + p * C + c] = x[o + c * plane + p];
      }
    }
    const results = model.predictOutputs(feed, N);
    const out: Record<string, OnnxTensor> = {};
    outputs.forEach((o, k) => {
      const per = size(o.dims);
      const data = results[k];
      if (o.layout === "plain") {
        out[o.name] = { dims: [N, ...o.dims.slice(1)], data };
        return;
      }
      // engine NHWC → ONNX NCHW
      const [, oc, oh, ow] = o.dims, op = oh * ow;
      const nchw = new Float32Array(data.length);
      for (let n = 0; n < N; n++) for (let p = 0; p < op; p++) for (let c = 0; c < oc; c++) nchw[n * per + c * op + p] = data[n * per + p * oc + c];
      out[o.name] = { dims: [N, oc, oh, ow], data: nchw };
    });
    return out;
  }
}

/** Bytes of an .onnx file → an OnnxModel (the graph checked, nothing compiled yet). */
export function onnxModelFromBytes(bytes: Uint8Array, file = "model.onnx"): OnnxModel {
  return new OnnxModel(graphOf(bytes, file));
}

/** ONNX files start with field 1 (ir_version, a varint: byte 0x08); model.json with "{" (after any space). */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x08;
}
