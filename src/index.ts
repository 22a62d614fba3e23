// resezap: facial emotion recognition (ResEZAP) on hand-written AssemblyScript SIMD kernels. The Node entry:
// the shared API (api.ts) plus what needs Node: PNG/JPEG decoding and encoding (pngjs needs zlib and streams;
// jpeg-js is a bare specifier), worker_threads pools, writing model files, setting V8's relaxed-SIMD flag,
// video files (FFmpeg spawned as a process) and the job queue on Redis.
export * from "./api.js";
export { decodePng, encodePng } from "./image/png.js";
export { decodeImage } from "./image/decode.js";
export { decodeJpeg } from "./image/jpeg.js";
export { createPool, type Pool } from "./pool.js";
export { createDetectorPool, type DetectorPool, type DetectorPoolOptions } from "./detect/pool.js";
export type { YuNetDetectorPool, YuNetPoolOptions } from "./detect/yunet-pool.js";
export { enableRelaxedSimd } from "./engine/relaxed.js";
export { saveLayersModel } from "./io/save.js";
export { analyzeVideo, type AnalyzeVideoOptions, type VideoFrameResult, type VideoFace } from "./video/analyze.js";
export { probeVideo, type VideoInfo } from "./video/ffmpeg.js";
export { FaceTracker, type TrackerOptions, type TrackInput } from "./video/tracker.js";
export { ProbabilitySmoother } from "./video/smooth.js";
export { TrackSummary, type TrackTotals } from "./video/summary.js";
export { timelinePng } from "./video/timeline.js";
// the job queue (BullMQ and ioredis are optional peers, loaded only when a function here runs)
export { connectRedis } from "./queue/connection.js";
export { enqueue, type EnqueueOptions, type EnqueuedJob } from "./queue/enqueue.js";
export { startWorker, type WorkerOptions } from "./queue/worker.js";
export { queueStatus, type QueueStatus } from "./queue/status.js";
export { DEFAULT_QUEUE, type JobData, type JobOptions, type JobOutput } from "./queue/job.js";
export { saveQuantizedModel, loadQuantizedModel, quantizedArtifacts, quantizedFromModel, type QuantizationBlock } from "./quant/saved.js";
