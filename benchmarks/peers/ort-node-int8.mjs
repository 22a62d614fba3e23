// Peer: native ONNX Runtime's own int8 kernels on ResEZAP. The Layers model is quantized into a QDQ ONNX graph
// (../lib/resezap-qdq-onnx.mjs: uint8 activations, int8 weights per channel, calibrated by default on io.json's
// faces, as head-to-head calibrates resezap-int8) and run as ort-node runs the f32 one: native CPU EP, one
// intra-op and one inter-op thread, graph optimisation "all", which is what fuses the QDQ pairs into QLinearConv
// and friends. It computes an 8-bit approximation of the network, so it is checked by its top-1 agreement with
// io.json, not by the f32 peers' tolerance.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { loadLayersModel } from "../../dist/index.js";
import { decodeModel } from "../../dist/onnx/proto.js";
import { resezapQdqOnnx } from "../lib/resezap-qdq-onnx.mjs";
import { ortPredict } from "./onnx-model.mjs";
import { loadReferenceIO } from "./reference-io.mjs";

const OPTIONS = { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all" };

/**
 * The op types (domain-qualified: "com.microsoft.QLinearConv") of the graph ORT runs for these ONNX bytes, with
 * their counts: ORT writes its optimised graph to a file (optimizedModelFilePath) and the project's reader parses it.
 */
export async function optimizedOps(bytes) {
  const dir = await mkdtemp(join(tmpdir(), "resezap-qdq-"));
  try {
    const file = join(dir, "optimized.onnx");
    const session = await ort.InferenceSession.create(bytes, { ...OPTIONS, optimizedModelFilePath: file, logSeverityLevel: 3 });
    await session.release();
    /** @type {Record<string, number>} */
    const counts = {};
    for (const n of decodeModel(new Uint8Array(await readFile(file)), file).graph.nodes) {
      const k = n.domain ? `${n.domain}.${n.opType}` : n.opType;
      counts[k] = (counts[k] ?? 0) + 1;
    }
    return counts;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** modelDir: a TF.js Layers folder; calibration: faces (n·2304 floats, grey/255), io.json's inputs by default. */
export async function createPeer(modelDir, { calibration } = {}) {
  const model = await loadLayersModel(modelDir);
  const faces = calibration ?? (await loadReferenceIO(modelDir)).inputs, n = faces.length / (48 * 48);
  const bytes = resezapQdqOnnx(model, faces);
  const ops = await optimizedOps(bytes);
  const session = await ort.InferenceSession.create(bytes, OPTIONS);
  const fused = Object.entries(ops).filter(([k]) => k.includes("QLinear")).map(([k, v]) => `${k.replace(/^com\.microsoft\./, "")}×${v}`).join(", ");
  return {
    name: "ort-node-int8",
    description: `onnxruntime-node ${ort.env.versions?.node ?? ""} int8 (QDQ: u8 activations, s8 weights per channel; ${fused || "no integer ops"}), native CPU EP, 1 intra-op + 1 inter-op thread`,
    ops,
    calibration: calibration ? `${n} given faces` : `the ${n} faces of io.json`,
    predict: ortPredict(ort, session),
    dispose() {
      return session.release();
    },
  };
}
