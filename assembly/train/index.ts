// The training WASM module: forward kernels that training needs for a whole batch, their backward passes,
// the loss and the optimiser steps. Separate from the inference module (assembly/nn), which it borrows
// kernels from, so inference builds stay small. Every kernel takes raw byte addresses into this module's
// memory and works on a whole batch in one call; tensors are batch-major NHWC [N, H, W, C] f32.
// Memory: a 1 MiB scratch area in static data (scratch.ts), then __heap_base; everything above it is one
// arena laid out by the JS side (src/train/kernels.ts). Typed signatures and layouts: src/train/kernels.ts.
export { gemm_4x8, gemmAtB_4x8, colSum, transpose,
         pointwiseForward_4x8, pointwiseBackwardInput_4x8, pointwiseBackwardWeights_4x8 } from "./gemm";
export { depthwise3x3Forward, depthwise3x3BackwardInput, depthwise3x3BackwardWeights } from "./depthwise";
export { batchNormForwardTrain, batchNormBackward, batchNormInference } from "./batchnorm";
export { relu, add } from "../nn/elementwise";
export { reluBackward, addInto } from "./elementwise";
export { zeroPadForward, zeroPadBackward, avgPool2x2PaddedForward, avgPool2x2PaddedBackward,
         globalMaxPoolForward, globalMaxPoolBackward } from "./spatial";
export { softmaxCrossEntropy } from "./loss";
export { adamStep, sgdStep } from "./optim";
export { scratchBytes } from "./scratch";

export function heapBase(): usize {
  return __heap_base;
}
