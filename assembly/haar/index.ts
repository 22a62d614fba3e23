// The face-detection WASM module (Viola–Jones with OpenCV's Haar cascades): resize, integral images, scan.
// Raw pointers into one memory that src/detect/ lays out as an arena above __heap_base.
export { toGrey } from "./grey";
export { resizeLinearExact } from "./resize";
export { integral, tiltedIntegral } from "./integral";
export { scan, evalStumps, evalStumpsTo, evalTrees, evalTreesTo } from "./scan";
export { scanGroups, stumpStageExact } from "./scan4";
export { queueSurvivors, runQueue } from "./queue";

export function heapBase(): usize {
  return __heap_base;
}
