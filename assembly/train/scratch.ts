// One static scratch area for kernels that need temporary storage (a transposed weight matrix, per-channel
// f64 sums). It lies in this module's static data, below __heap_base, so the JS Arena (which allocates from
// heapBase() up) can never hand it out or reset over it, and callers pass no scratch pointers. Zero-filled
// static data costs nothing in the .wasm file (binaryen drops the segment). Kernels are not re-entrant:
// one call at a time per instance, as everything in a single-threaded WASM instance is anyway.
export const SCRATCH_BYTES: i32 = 1 << 20;
export const SCRATCH: usize = memory.data(SCRATCH_BYTES, 64);

// Limits that follow from the scratch size (checked by the TS wrapper, src/train/kernels.ts):
//   pointwise backward to input: C·F ≤ SCRATCH_BYTES / 4 (the transposed weights, f32)
//   batch norm: C ≤ SCRATCH_BYTES / 28 (two f64 sums and, in the backward, three f32 factors per channel)
export function scratchBytes(): i32 {
  return SCRATCH_BYTES;
}
