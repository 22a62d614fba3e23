import { ArgumentError, ModelFormatError } from "../errors.js";
import type { Model } from "../model.js";
import { checkModelJSON, checkWeightBytes, modelFromArtifacts, parseModelJSON, type ModelJSON } from "./layers-format.js";

/** In-memory artifacts, as tf.io.fromMemory takes them: model.json's content and all weights concatenated. */
export interface MemorySource {
  modelJSON?: ModelJSON | string;
  /** TF.js ModelArtifacts spelling */
  modelTopology?: unknown;
  weightSpecs?: ModelJSON["weightsManifest"] extends (infer G)[] | undefined ? G extends { weights: infer W } ? W : never : never;
  weightData: ArrayBuffer | ArrayBufferView | ArrayBuffer[];
  userDefinedMetadata?: Record<string, unknown>;
}

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/**
 * Loads a model in the TF.js Layers format (model.json + weight shards), as tf.loadLayersModel does:
 * - a path (Node): a folder holding model.json, or the model.json file itself;
 * - a URL (http:, https:, file:, or any string in a browser): fetched, shards fetched relative to it;
 * - in memory: { modelJSON, weightData } (all weights concatenated in manifest order) or TF.js's
 *   { modelTopology, weightSpecs, weightData }.
 */
export async function loadLayersModel(source: string | URL | MemorySource, options: LayersModelOptions = {}): Promise<Model> {
  if (typeof source === "object" && !(source instanceof URL)) return fromMemory(source, options);
  const s = String(source);
  if (/^(https?|blob|data):/i.test(s) || (!isNode && !/^file:/i.test(s))) return fromUrl(s, options);
  return fromPath(s.startsWith("file:") ? new URL(s) : s, options);
}

export interface LayersModelOptions {
  /**
   * The input shape (batch excluded) for a model whose input leaves dimensions free (null in batch_input_shape, a
   * fully convolutional model): each null takes the value given here; fixed dimensions must agree.
   */
  inputShape?: number[];
}

function fromMemory(src: MemorySource, options: LayersModelOptions): Model {
  let json: ModelJSON;
  if (src.modelJSON !== undefined) {
    // an object gets the same checks as text: a malformed weightsManifest was a TypeError here
    json = typeof src.modelJSON === "string" ? parseModelJSON(src.modelJSON, "modelJSON") : checkModelJSON(src.modelJSON, "modelJSON");
  } else if (src.modelTopology !== undefined) {
    json = { modelTopology: src.modelTopology, weightsManifest: [{ paths: [], weights: (src.weightSpecs ?? []) as any }], userDefinedMetadata: src.userDefinedMetadata };
  } else {
    throw new ArgumentError("loadLayersModel: in-memory source needs modelJSON or modelTopology");
  }
  if (!src.weightData || (!Array.isArray(src.weightData) && !(src.weightData instanceof ArrayBuffer) && !ArrayBuffer.isView(src.weightData))) {
    throw new ArgumentError("loadLayersModel: weightData must be an ArrayBuffer, a typed array or a list of ArrayBuffers");
  }
  // the weight-size limit applied to files and URLs holds in memory too, checked before concatenating
  const parts = Array.isArray(src.weightData) ? src.weightData : [src.weightData];
  checkWeightBytes(parts.reduce((s, p) => s + (p?.byteLength ?? 0), 0), "modelJSON");
  const data = Array.isArray(src.weightData) ? concat(src.weightData) : toArrayBuffer(src.weightData);
  // all groups' weights are in one buffer: merge the manifest into one group
  const merged: ModelJSON = { ...json, weightsManifest: [{ paths: [], weights: (json.weightsManifest ?? []).flatMap((g) => g.weights) }] };
  return modelFromArtifacts(merged, [data], "modelJSON", options.inputShape);
}

async function fromPath(p: string | URL, options: LayersModelOptions): Promise<Model> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  let file = p instanceof URL ? (await import("node:url")).fileURLToPath(p) : p;
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new ArgumentError(`${file}: no such file or folder (expected a model folder or its model.json)`);
  }
  if (stat.isDirectory()) file = path.join(file, "model.json");
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch {
    throw new ArgumentError(`${file}: cannot read the model (expected model.json in the TF.js Layers format)`);
  }
  const json = parseModelJSON(text, file);
  const dir = path.dirname(file);
  const groups: ArrayBuffer[] = [];
  let total = 0;
  for (const g of json.weightsManifest ?? []) {
    const parts: ArrayBuffer[] = [];
    for (const shard of g.paths) {
      const sp = path.resolve(dir, shard);
      let st;
      try {
        st = await fs.stat(sp);
      } catch {
        throw new ModelFormatError(`${file}: weight shard ${shard} is missing (looked for ${sp})`);
      }
      total += st.size;
      checkWeightBytes(total, file);
      const b = await fs.readFile(sp);
      parts.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
    groups.push(concat(parts));
  }
  return modelFromArtifacts(json, groups, file, options.inputShape);
}

async function fromUrl(url: string, options: LayersModelOptions): Promise<Model> {
  const res = await fetch(url);
  if (!res.ok) throw new ArgumentError(`${url}: HTTP ${res.status} fetching model.json`);
  const json = parseModelJSON(await res.text(), url);
  const groups: ArrayBuffer[] = [];
  let total = 0;
  for (const g of json.weightsManifest ?? []) {
    const parts: ArrayBuffer[] = [];
    for (const shard of g.paths) {
      const u = new URL(shard, new URL(url, typeof location !== "undefined" ? location.href : undefined)).href;
      const r = await fetch(u);
      if (!r.ok) throw new ModelFormatError(`${url}: weight shard ${shard}: HTTP ${r.status}`);
      const b = await r.arrayBuffer();
      total += b.byteLength;
      checkWeightBytes(total, url);
      parts.push(b);
    }
    groups.push(concat(parts));
  }
  return modelFromArtifacts(json, groups, url, options.inputShape);
}

function toArrayBuffer(b: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  if (b instanceof ArrayBuffer) return b;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function concat(parts: ArrayBuffer[]): ArrayBuffer {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out.buffer;
}
