// The neural-network WASM module: every kernel exported for tests and benchmarks, and run() for models.
// Memory: the static data of this module ends at __heap_base; everything above it is one arena that the
// JS side lays out (weights packed at load, activations, the program) and grows once when it needs to.
export { pointwise_4x8 } from "./pointwise";
export { depthwise3x3, depthwise3x3_relu, depthwise3x3_rows } from "./depthwise";
export { separable3x3, separable3x3_a16 } from "./separable";
export { conv3x3_4x8 } from "./conv3x3";
export { conv2d_4x8 } from "./conv";
export { depthwise_conv } from "./dwconv";
export { relu, add, affine, softmax } from "./elementwise";
export { zeroPad, pool2d, globalPool } from "./pool";
export { activation, prelu } from "./activation";
export { binary } from "./binary";
export { blockCopy, crop2d, transpose4 } from "./copy";
export { resizeNearest, resizeBilinear } from "./resize";
export { pointwise_i8, pointwise_i16, pointwise_a16, pointwise_a16_f32 } from "./qpointwise";
export { depthwise3x3_i8, depthwise3x3_a16 } from "./qdepthwise";
export { add_u8, avgPool2x2_u8, add_a16, avgPool2x2_a16, quantize_u8, dequantize_u8, quantize_a16, dequantize_a16 } from "./qelementwise";
export { run, execOp } from "./program";
export { multiplyAddCeiling, multiplyAddLoadCeiling } from "./ceiling";

export function heapBase(): usize {
  return __heap_base;
}
