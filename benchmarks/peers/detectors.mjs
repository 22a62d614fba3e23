// Peer face detectors, as users of face-api.js and Human run them: @vladmandic/face-api's TinyFaceDetector and
// SsdMobilenetv1, and @vladmandic/human's BlazeFace, each from its package's own model files on TF.js's WASM
// backend, one thread, default options except that Human keeps up to 50 faces (its default keeps one).
// Human reads its models over HTTP only (its WASM build has no file loader): a loopback server serves the package.
// Needs the devDependencies (a clone after npm ci).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);

/** RGB int32 tensor data of an RGBA/RGB/grey image. */
function rgbOf(img) {
  const n = img.width * img.height, ch = img.data.length / n, rgb = new Int32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = img.data[i * ch + (ch >= 3 ? c : 0)];
  return rgb;
}

/** { name, detect(img) → [[x, y, w, h], …] (async), close() } for each peer detector. */
export async function createPeerDetectors() {
  const wasm = require("@tensorflow/tfjs-backend-wasm");
  const tf = require("@tensorflow/tfjs");
  const faceapi = require("@vladmandic/face-api/dist/face-api.node-wasm.js");
  wasm.setThreadsCount?.(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("TF.js WASM backend failed to initialise");
  await tf.ready();
  const modelDir = join(root, "node_modules/@vladmandic/face-api/model");
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  // Human's package exports map leaves its WASM build out: loaded by path
  const H = require(join(root, "node_modules/@vladmandic/human/dist/human.node-wasm.js"));
  const { startServer } = await import("../../scripts/serve.mjs");
  const server = await startServer({ port: 0 });
  const human = new H.Human({
    backend: "wasm", wasmPath: join(root, "node_modules/@tensorflow/tfjs-backend-wasm/dist") + "/",
    modelBasePath: `${server.url}node_modules/@vladmandic/human/models/`, debug: false, async: false,
    face: { enabled: true, detector: { enabled: true, rotation: false, maxDetected: 50 }, mesh: { enabled: false }, iris: { enabled: false },
      description: { enabled: false }, emotion: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false } },
    body: { enabled: false }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false }, segmentation: { enabled: false },
  });
  await human.load();
  const faceapiDetect = (options) => async (img) => {
    const t = tf.tensor3d(rgbOf(img), [img.height, img.width, 3], "int32");
    try {
      return (await faceapi.detectAllFaces(t, options)).map((d) => [d.box.x, d.box.y, d.box.width, d.box.height]);
    } finally {
      t.dispose();
    }
  };
  return {
    detectors: [
      { name: "face-api TinyFaceDetector", detect: faceapiDetect(new faceapi.TinyFaceDetectorOptions()) },
      { name: "face-api SsdMobilenetv1", detect: faceapiDetect(new faceapi.SsdMobilenetv1Options()) },
      {
        name: "Human BlazeFace",
        async detect(img) {
          const t = human.tf.tensor4d(rgbOf(img), [1, img.height, img.width, 3], "int32");
          try {
            return (await human.detect(t)).face.map((f) => f.box);
          } finally {
            t.dispose();
          }
        },
      },
    ],
    close: () => server.close(),
  };
}
