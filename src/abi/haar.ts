// The packed Haar cascade that src/detect/pack.ts writes and assembly/haar/ and src/detect/jit.ts read, as byte
// offsets, defined once for both languages (AssemblyScript re-exports it from assembly/haar/layout.ts).
// Offsets of rectangle corners are bytes relative to the window's top-left integral entry (they depend on the
// integral images' row stride, so the JS side repacks when the stride changes).
//
// header (i32 words):
export const H_KIND = 0; //      0: every weak classifier a stump; 1: trees
export const H_NSTAGES = 4;
export const H_STAGES = 8; //    byte address of the stage records
export const H_NODES = 12; //    byte address of the node records
export const H_LEAVES = 16; //   byte address of the f32 leaf values (trees)
export const H_TREES = 20; //    byte address of the tree records (trees)
export const H_NOFS = 24; //     4 i32: corners of the variance rectangle (the window less a 1-pixel border)
export const H_SQOFS = 40; //    bytes from sum to sqsum
export const H_AREA = 44; //     i32 area of the variance rectangle
export const H_SIMD_TREES = 48; // 1 when every tree has a path table (≤ 3 nodes): the SIMD tree scan applies
export const HEADER_BYTES = 64;
// stage record, 32 bytes: ntrees i32, threshold f32 (OpenCV's, less 1e-5), first tree i32, and for stumps the
// sum of the stage's right leaves in f32 (S_RIGHTS) and the band of f32 sums that cannot decide (S_LO, S_HI;
// NaN where the stage must be summed in f64: src/detect/band.ts), then padding
export const STAGE_BYTES = 32;
export const S_RIGHTS = 12;
export const S_LO = 16;
export const S_HI = 20;
// node record, 80 bytes: 3 × 4 corner offsets (i32), weights w0..w2 (f32), threshold (f32),
// left, right (stumps: the two leaf values as f32; trees: child indices as in OpenCV, ≤ 0 a leaf), nrects, and
// for stumps left − right in f32 (read by the compiled scan, src/detect/jit.ts)
export const NODE_BYTES = 80;
export const N_W0 = 48;
export const N_THR = 60;
export const N_LEFT = 64;
export const N_RIGHT = 68;
export const N_NRECTS = 72;
export const N_DIFF = 76;
// tree record, 16 bytes: first node index, first leaf index, node count, byte address of its path table:
// leaf count, then per leaf value (f32), step count, three steps (node · 2 + 1 when it went left, v < threshold)
export const TREE_BYTES = 16;
export const T_PATHS = 12;

// stage record fields besides those above
export const S_NTREES = 0; //    i32 weak classifiers in the stage
export const S_THRESHOLD = 4; // f32
export const S_FIRST_TREE = 8; // i32 index of its first tree
// node record: N_RECT_BYTES per rectangle (4 i32 corner offsets), three rectangles from offset 0
export const N_RECT_BYTES = 16;
// tree record fields
export const T_FIRST_NODE = 0;
export const T_FIRST_LEAF = 4;
export const T_NNODES = 8;
// path table (at T_PATHS): i32 leaf count, then PATH_ENTRY_BYTES per leaf from PATH_ENTRIES
export const PATH_ENTRIES = 4;
export const PATH_ENTRY_BYTES = 20;
export const PE_VALUE = 0; //    f32 leaf value
export const PE_NSTEPS = 4; //   i32 steps on the path (1..3)
export const PE_STEPS = 8; //    i32 per step: node · 2 + 1 when it went left (v < threshold)
