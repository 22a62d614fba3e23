// The demo page: webcam frames (or a dropped image) → web/worker.js → boxes and labels on a canvas over the
// picture. One frame is in the worker at a time; frames that arrive meanwhile are skipped, so the boxes lag the
// video by at most one frame and the frames-per-second shown is what the pipeline really keeps up with.
// The latest results are mirrored as JSON in #results and window.resezapDemo (test/web-e2e.test.ts reads them).
import { Pipeline, DEFAULT_OPTIONS } from "./pipeline.js";
import { drawFaces } from "./overlay.js";
import { Rolling } from "./stats.js";

const $ = (id) => document.getElementById(id);
const video = $("video"), still = $("still"), overlay = $("overlay"), stage = $("stage");
const grab = document.createElement("canvas");
const grabCtx = grab.getContext("2d", { willReadFrequently: true });

// YuNet unless the page is opened with ?detector=haar (the paper's cascade)
const detector = new URLSearchParams(location.search).get("detector") === "haar" ? "haar" : "yunet";
const state = { status: "loading", mode: "webcam", detector, frames: 0, fps: null, settings: { ...DEFAULT_OPTIONS[detector] }, latest: null, error: null };
window.resezapDemo = state;

const pipeline = new Pipeline();
const rolling = new Rolling(30);

// state.error is the error on screen now: null once a later status replaces it
function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
  state.error = isError ? text : null;
}

const variantName = () => (state.variant === "relaxed" ? "relaxed SIMD" : "SIMD");
const runningStatus = () => setStatus(`running on the webcam (${variantName()}) — or choose or drop an image`);

function readSettings() {
  const num = (id, fallback) => {
    const v = Number($(id).value);
    return Number.isFinite(v) ? v : fallback;
  };
  const d = DEFAULT_OPTIONS[detector];
  state.settings = detector === "haar"
    ? { scaleFactor: num("scaleFactor", d.scaleFactor), minSize: Math.round(num("minSize", d.minSize)), minNeighbors: Math.round(num("minNeighbors", d.minNeighbors)) }
    : { scoreThreshold: Math.min(1, Math.max(0, num("scoreThreshold", d.scoreThreshold))) };
  $("settings").textContent = Object.entries(state.settings).map(([k, v]) => `${k} ${v}`).join(", ");
}

const fmt = (x, d = 1) => (x === null || !Number.isFinite(x) ? "–" : x.toFixed(d));

function show(source, width, height, r) {
  drawFaces(overlay, width, height, r.faces);
  state.frames++;
  rolling.push(performance.now(), r);
  state.fps = source === "webcam" ? rolling.fps : null;
  state.latest = { source, width, height, faces: r.faces.map(({ box, label, score, landmarks }) => ({ box, label, score: Math.round(score * 1000) / 1000, ...(landmarks ? { landmarks } : {}) })), detectMs: r.detectMs, classifyMs: r.classifyMs, totalMs: r.totalMs };
  $("fps").textContent = fmt(state.fps);
  $("detectMs").textContent = fmt(rolling.mean("detectMs"));
  $("classifyMs").textContent = fmt(rolling.mean("classifyMs"));
  $("totalMs").textContent = fmt(rolling.mean("totalMs"));
  $("faces").textContent = r.faces.length;
  $("results").textContent = JSON.stringify({ ...state.latest, fps: state.fps, frames: state.frames, settings: state.settings }, null, 1);
}

async function analyse(source, drawable, width, height) {
  if (grab.width !== width || grab.height !== height) {
    grab.width = width;
    grab.height = height;
  }
  grabCtx.drawImage(drawable, 0, 0, width, height);
  const r = await pipeline.recognize(grabCtx.getImageData(0, 0, width, height), state.settings);
  show(source, width, height, r);
}

// ---- webcam ----
let busy = false;

function nextVideoFrame(fn) {
  // requestVideoFrameCallback fires once per new camera frame, so no frame is analysed twice
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(fn);
  else requestAnimationFrame(fn);
}

function onVideoFrame() {
  if (state.mode === "webcam" && !busy && video.videoWidth) {
    busy = true;
    analyse("webcam", video, video.videoWidth, video.videoHeight)
      .catch((e) => setStatus(`recognition failed: ${e.message}`, true))
      .finally(() => (busy = false));
  }
  nextVideoFrame(onVideoFrame);
}

async function startWebcam() {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error("this browser has no getUserMedia (the page needs https or localhost)");
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
  video.srcObject = stream;
  await video.play();
  nextVideoFrame(onVideoFrame);
}

function useWebcam() {
  state.mode = "webcam";
  rolling.clear();
  still.hidden = true;
  video.hidden = false;
  $("webcam").hidden = true;
  runningStatus();
}

// ---- a chosen or dropped image ----
async function useImage(file) {
  if (!file) return;
  let bitmap;
  try {
    // the browser decodes (PNG, JPEG, WebP…) so the page needs no decoder of its own
    bitmap = await createImageBitmap(file);
  } catch (e) {
    // not an image: say so and leave the picture as it was (the webcam keeps running)
    setStatus(`${file.name}: not an image this browser can decode (${e.message})`, true);
    return;
  }
  state.mode = "image";
  rolling.clear();
  try {
    still.width = bitmap.width;
    still.height = bitmap.height;
    still.getContext("2d").drawImage(bitmap, 0, 0);
    video.hidden = true;
    still.hidden = false;
    $("webcam").hidden = !video.srcObject;
    // wait for a webcam frame still in the worker, so this image's result is the one shown last
    while (busy) await new Promise((r) => setTimeout(r, 5));
    await analyse("image", bitmap, bitmap.width, bitmap.height);
    bitmap.close();
    setStatus(`${file.name}: ${state.latest.faces.length} face(s)`);
  } catch (e) {
    setStatus(`${file.name}: ${e.message}`, true);
  }
}

$("file").addEventListener("change", (e) => useImage(e.target.files[0]));
$("webcam").addEventListener("click", useWebcam);
for (const id of ["scoreThreshold", "scaleFactor", "minSize", "minNeighbors"]) $(id).addEventListener("change", readSettings);
$("yunetSettings").hidden = detector !== "yunet";
$("haarSettings").hidden = detector !== "haar";
$("detectorName").textContent = detector === "haar" ? "Haar cascade" : "YuNet";
$("detectorSwitch").textContent = detector === "haar" ? "use YuNet" : "use the Haar cascade";
$("detectorSwitch").href = detector === "haar" ? "?" : "?detector=haar";
stage.addEventListener("dragover", (e) => {
  e.preventDefault();
  stage.classList.add("dragging");
});
stage.addEventListener("dragleave", () => stage.classList.remove("dragging"));
stage.addEventListener("drop", (e) => {
  e.preventDefault();
  stage.classList.remove("dragging");
  useImage(e.dataTransfer.files[0]);
});

// ---- start ----
readSettings();
try {
  const info = await pipeline.init(detector);
  state.variant = info.variant;
  state.status = "ready";
  setStatus(`model loaded (${variantName()}, ${info.detector === "yunet" ? "YuNet" : "Haar cascade"}); starting the webcam…`);
  try {
    await startWebcam();
    state.status = "running";
    runningStatus();
  } catch (e) {
    state.status = "no-webcam";
    setStatus(`no webcam (${e.message}): choose or drop an image instead`, true);
  }
} catch (e) {
  state.status = "failed";
  setStatus(`could not load the model: ${e.message}`, true);
}
