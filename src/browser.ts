// resezap for browsers and workers: the entry package.json's "browser" condition points at (dist/browser.js), and
// the one scripts/build-browser.mjs bundles into dist/resezap.browser.min.js. The shared API (api.ts) plus
// drawResults for a canvas. Left out, as they need Node: decoding and encoding files (browsers decode PNG and JPEG
// themselves with createImageBitmap), worker_threads pools (use Web Workers), saveLayersModel (writes files) and
// enableRelaxedSimd (sets a V8 flag; Chrome has relaxed SIMD on already).
// The default cascade is read with node:fs: browsers fetch models/haarcascades/haarcascade_frontalface_default.xml
// (defaultCascadeUrl()) and pass its text as the `cascade` option.
export * from "./api.js";
export { drawResults, type CanvasLike, type DrawableResult } from "./draw-canvas.js";
