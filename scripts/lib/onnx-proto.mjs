// The ONNX protobuf encoder (and decoder) live in src/onnx/proto.ts, sharing one table of field numbers so
// writer and reader cannot drift; scripts use the built module (run `npm run build` first).
// API used by scripts/export-onnx.mjs: DataType, tensor, node, valueInfo, graph, model.
export * from "../../dist/onnx/proto.js";
