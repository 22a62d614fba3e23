// Limits enforced before anything is allocated, so hostile input cannot make the library allocate without bound.
export const LIMITS = {
  /** Largest image side in pixels, and largest pixel count (about 64 megapixels). */
  maxImageSide: 16384,
  maxImagePixels: 64 * 1024 * 1024,
  /** Largest model.json in bytes and total weight bytes. */
  maxModelJsonBytes: 16 * 1024 * 1024,
  maxWeightBytes: 256 * 1024 * 1024,
  /** Largest number of layers in a model. */
  maxLayers: 4096,
  /** Largest ONNX model file in bytes (weights inside; external data is refused). */
  maxOnnxBytes: 256 * 1024 * 1024,
  /** Largest number of nodes in an ONNX model, nodes of subgraphs included. */
  maxOnnxNodes: 10000,
  /** Most elements in one tensor (product of its dims), and most numbers an ONNX file may hold in repeated fields. */
  maxTensorElements: 64 * 1024 * 1024,
  /** Most elements in one constant an ONNX graph folds at load (ConstantOfShape, broadcasting, Gather, Concat). */
  maxFoldedElements: 16 * 1024 * 1024,
  /** Largest WASM memory one engine may grow to, in bytes (1 GiB). */
  maxWasmBytes: 1024 * 1024 * 1024,
} as const;
