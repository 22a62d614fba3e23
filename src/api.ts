// The API shared by both entries: index.ts (Node) and browser.ts (browsers and workers) `export *` from here and
// add only their own extras, so a name added here reaches both and none can be dropped from one by hand.
// Nothing here may import node: modules or bare specifiers, statically: browser.ts loads as plain ESM from a
// static server (test/web-e2e.test.ts walks the built import graph).
export { resezap, EMOTIONS, type Emotion, type ResEZAPOptions } from "./resezap.js";
export { Model, input, type NamedWeight } from "./model.js";
export { loadLayersModel, type MemorySource } from "./io/load.js";
export { countOps, formatCount, type OpCount, type ConvCount } from "./count.js";
export { Layer, SymbolicTensor, type Shape } from "./layers/layer.js";
export { SeparableConv2D, Conv2D, DepthwiseConv2D } from "./layers/conv.js";
export { BatchNormalization, Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax, Dense, Dropout, Flatten, Reshape, Permute, Rescaling, Normalization, InputLayer } from "./layers/core.js";
export { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate } from "./layers/merge.js";
export { ZeroPadding2D, Cropping2D, UpSampling2D, AveragePooling2D, MaxPooling2D, GlobalMaxPooling2D, GlobalAveragePooling2D } from "./layers/pooling.js";
export { SUPPORTED_LAYERS } from "./layers/registry.js";
export { loadOnnxModel, loadModel, type LoadModelOptions } from "./onnx/load.js";
export { OnnxModel, type OnnxTensor } from "./onnx/model.js";
export { ONNX_OPS } from "./onnx/convert.js";
export { ResezapError, ModelFormatError, ImageError, ArgumentError, LimitError } from "./errors.js";
export { LIMITS } from "./limits.js";
export { relaxedSimdSupported, defaultNNVariant, type NNVariant } from "./engine/wasm.js";
export { toGrey } from "./image/grey.js";
export { resizeToFloat } from "./image/resize.js";
export type { ImageLike, GreyImage } from "./image/types.js";
export { modelToArtifacts } from "./io/save.js";
export { classifyFaces, predictFaces, preprocessFace, type Classification, type TestTimeAveraging } from "./classify.js";
export { recognize, classifyBoxes, annotate, EmotionRecognizer, type RecognizedFace, type RecognizeOptions } from "./recognize.js";
export { detectFaces, FaceDetector, loadCascade, defaultCascade, defaultCascadeUrl, DETECT_DEFAULTS, groupRectangles, YuNetDetector, decodeYuNet, yunetUrl, type Box, type Cascade, type DetectOptions, type FaceDetectorOptions, type DetectedFace, type YuNetOptions } from "./detect/index.js";
export { drawBox, drawLabel } from "./image/draw.js";
export { quantize, type QuantizeOptions } from "./quant/quantize.js";
export type { QuantizedModel } from "./quant/program.js";
