// resezap: facial emotion recognition (ResEZAP) on hand-written AssemblyScript SIMD kernels.
export { resezap, EMOTIONS, type Emotion, type ResEZAPOptions } from "./resezap.js";
export { Model, input, type NamedWeight } from "./model.js";
export { loadLayersModel, type MemorySource } from "./io/load.js";
export { countOps, formatCount, type OpCount, type ConvCount } from "./count.js";
export { Layer, SymbolicTensor, type Shape } from "./layers/layer.js";
export { SeparableConv2D, Conv2D, DepthwiseConv2D } from "./layers/conv.js";
export { BatchNormalization, Activation, ReLU, Softmax, Dense, Dropout, Flatten, InputLayer } from "./layers/core.js";
export { Add } from "./layers/merge.js";
export { ZeroPadding2D, AveragePooling2D, MaxPooling2D, GlobalMaxPooling2D, GlobalAveragePooling2D } from "./layers/pooling.js";
export { SUPPORTED_LAYERS } from "./layers/registry.js";
export { ResezapError, ModelFormatError, ImageError, ArgumentError, LimitError } from "./errors.js";
export { LIMITS } from "./limits.js";
export { relaxedSimdSupported, defaultNNVariant, type NNVariant } from "./engine/wasm.js";
export { toGrey } from "./image/grey.js";
export { resizeToFloat } from "./image/resize.js";
export { decodePng, encodePng } from "./image/png.js";
export type { ImageLike, GreyImage } from "./image/types.js";
