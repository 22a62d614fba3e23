import { ArgumentError } from "../errors.js";
import { loadLayersModel, type MemorySource } from "../io/load.js";
import type { Model } from "../model.js";
import { onnxModelFromBytes, looksLikeOnnx, OnnxModel } from "./model.js";
import { checkOnnxBytes } from "./proto.js";

// Loading ONNX files, and loadModel(), which takes either format and tells them apart by content.

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** Reads an .onnx file: a path (Node), a URL, or its bytes. */
export async function loadOnnxModel(source: string | URL | Uint8Array | ArrayBuffer): Promise<OnnxModel> {
  if (source instanceof Uint8Array) return onnxModelFromBytes(source);
  if (source instanceof ArrayBuffer) return onnxModelFromBytes(new Uint8Array(source));
  const { bytes, file } = await readBytes(source);
  return onnxModelFromBytes(bytes, file);
}

async function readBytes(source: string | URL): Promise<{ bytes: Uint8Array; file: string }> {
  const s = String(source);
  if (/^(https?|blob|data):/i.test(s) || (!isNode && !/^file:/i.test(s))) {
    const res = await fetch(s);
    if (!res.ok) throw new ArgumentError(`${s}: HTTP ${res.status}`);
    const len = Number(res.headers.get("content-length") ?? 0);
    checkOnnxBytes(len, s);
    return { bytes: new Uint8Array(await res.arrayBuffer()), file: s };
  }
  const fs = await import("node:fs/promises");
  const file = s.startsWith("file:") ? (await import("node:url")).fileURLToPath(s) : s;
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    throw new ArgumentError(`${file}: no such file`);
  }
  if (st.isDirectory()) throw new ArgumentError(`${file}: is a folder, expected an .onnx file`);
  checkOnnxBytes(st.size, file);
  return { bytes: new Uint8Array(await fs.readFile(file)), file };
}

export interface LoadModelOptions {
  /** [height, width] for an ONNX model whose input height and width are free. */
  inputSize?: [number, number];
  /** The input shape (batch excluded) for a Keras model whose input leaves dimensions free. */
  inputShape?: number[];
}

/**
 * Loads a model in either format: a TF.js Layers folder or model.json, or an .onnx file (path, URL or bytes),
 * told apart by content. An ONNX model becomes a Model for one input size (NHWC in, the engine's layout), with
 * its metadata_props as userDefinedMetadata (classes and preprocessing read as JSON).
 */
export async function loadModel(source: string | URL | Uint8Array | ArrayBuffer | MemorySource, options: LoadModelOptions = {}): Promise<Model> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return onnxAsModel(await loadOnnxModel(source), options);
  if (typeof source === "object" && !(source instanceof URL)) return loadLayersModel(source, options);
  const s = String(source);
  if (/\.onnx$/i.test(s)) return onnxAsModel(await loadOnnxModel(source), options);
  if (/^(https?|blob|data):/i.test(s) || !isNode) {
    // a URL not named .onnx or .json: its first bytes tell (a model.json is then fetched again by the Layers loader)
    if (!/\.json$/i.test(new URL(s, typeof location !== "undefined" ? location.href : undefined).pathname)) {
      const { bytes, file } = await readBytes(s);
      if (looksLikeOnnx(bytes)) return onnxAsModel(onnxModelFromBytes(bytes, file), options);
    }
  } else {
    // a file that is not model.json may still be ONNX under another name
    const fs = await import("node:fs/promises");
    const file = s.startsWith("file:") ? (await import("node:url")).fileURLToPath(s) : s;
    const st = await fs.stat(file).catch(() => null);
    if (st?.isFile()) {
      const fh = await fs.open(file, "r");
      const head = new Uint8Array(4);
      await fh.read(head, 0, 4, 0);
      await fh.close();
      if (looksLikeOnnx(head)) return onnxAsModel(await loadOnnxModel(file), options);
    }
  }
  return loadLayersModel(source, options);
}

function onnxAsModel(m: OnnxModel, options: LoadModelOptions): Model {
  const size = options.inputSize ?? m.fixedSize;
  if (!size) throw new ArgumentError(`${m.graph.file}: input ${m.inputName} has a free height or width [${m.inputDims.join(", ")}]; pass inputSize: [height, width] (or use loadOnnxModel)`);
  const { model } = m.forSize(size[0], size[1]);
  const meta: Record<string, unknown> = {};
  for (const [k, v] of m.graph.metadata) {
    try {
      meta[k] = JSON.parse(v);
    } catch {
      meta[k] = v;
    }
  }
  model.userDefinedMetadata = meta;
  const classes = meta.classes;
  if (Array.isArray(classes) && classes.every((c) => typeof c === "string") && classes.length === model.outputShape[model.outputShape.length - 1]) {
    model.classNames = classes as string[];
  }
  return model;
}
