#!/usr/bin/env node
// What each detector finds on the photos of fixtures/faces against the faces a person sees there: ours (Haar,
// YuNet) and the peers users run (benchmarks/peers/detectors.mjs: face-api's TinyFaceDetector and SSD, Human's
// BlazeFace, on TF.js WASM)
// (fixtures/faces/faces-seen.json): hits, misses and false boxes per photo and in all, and the time for the
// 21 photos on one thread: each photo's median of 3 rounds in which the detectors take turns, after a first run
// (its size compiled, as for a stream of frames). A box is a hit when it overlaps a face not already matched by
// IoU ≥ 0.3 (detectors frame a face differently: Haar's squares, YuNet's taller boxes).
//   node --experimental-wasm-relaxed-simd benchmarks/detector-quality.mjs [--json | --markdown] [--rounds N]
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeImage, FaceDetector, YuNetDetector } from "../dist/index.js";
import { iou } from "../dist/detect/yunet.js";
import { cpuFlags } from "./lib.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const DIR = join(HERE, "../fixtures/faces");
const truth = JSON.parse(readFileSync(join(DIR, "faces-seen.json"), "utf8")).faces;

/** Greedy one-to-one matching at IoU ≥ 0.3. */
function score(found, faces) {
  const used = new Set();
  let hits = 0;
  for (const b of found) {
    const k = faces.findIndex((f, i) => !used.has(i) && iou(b, f) >= 0.3);
    if (k >= 0) {
      used.add(k);
      hits++;
    }
  }
  return { hits, misses: faces.length - hits, false: found.length - hits };
}

export async function detectorQuality({ peers = true, rounds = 3 } = {}) {
  const haar = new FaceDetector();
  const yunet = YuNetDetector.default();
  const detectors = {
    "Haar, OpenCV's defaults": (img) => haar.detect(img),
    "Haar, real-time settings": (img) => haar.detect(img, { scaleFactor: 1.2, minSize: 60, minNeighbors: 5 }),
    YuNet: (img) => yunet.detect(img).map((f) => f.box),
    "YuNet, longest side 320": (img) => yunet.detect(img, { longestSide: 320 }).map((f) => f.box),
  };
  let close = () => {};
  if (peers) {
    try {
      const { createPeerDetectors } = await import("./peers/detectors.mjs");
      const p = await createPeerDetectors();
      for (const d of p.detectors) detectors[d.name] = d.detect;
      close = p.close;
    } catch (e) {
      console.error(`[detector-quality] peers left out: ${e.message}`);
    }
  }
  const photos = readdirSync(DIR).filter((f) => f.endsWith(".png")).sort();
  const images = photos.map((f) => decodeImage(readFileSync(join(DIR, f)), f));
  const result = { photos: photos.length, faces: photos.reduce((s, f) => s + truth[f].length, 0), rounds, detectors: {} };
  const names = Object.keys(detectors);
  const found = Object.fromEntries(names.map((n) => [n, []]));
  const ms = Object.fromEntries(names.map((n) => [n, 0]));
  // photo by photo, every detector warmed on it (its size compiled, or TF.js's graph traced), then timed in turn,
  // `rounds` times, so a slow phase of the host falls on all of them alike; each photo's median counts
  for (const img of images) {
    for (const n of names) found[n].push(await detectors[n](img));
    const times = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (const n of names) {
        const t0 = performance.now();
        await detectors[n](img);
        times[n].push(performance.now() - t0);
      }
    }
    for (const n of names) ms[n] += times[n].sort((a, b) => a - b)[times[n].length >> 1];
  }
  for (const n of names) {
    const per = {};
    const total = { hits: 0, misses: 0, false: 0 };
    photos.forEach((f, i) => {
      per[f] = score(found[n][i], truth[f]);
      for (const k of Object.keys(total)) total[k] += per[f][k];
    });
    result.detectors[n] = { ...total, ms: Math.round(ms[n]), per };
  }
  await close();
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf("--rounds");
  const r = await detectorQuality({ rounds: at > 0 ? Number(process.argv[at + 1]) : 3 });
  if (process.argv.includes("--json")) console.log(JSON.stringify(r, null, 1));
  else if (process.argv.includes("--markdown")) {
    // per photo: the faces a person sees, then each detector's hits / misses / false boxes
    const names = Object.keys(r.detectors);
    console.log(`| photo | faces | ${names.join(" | ")} |`);
    console.log(`|---|---:|${names.map(() => "---:").join("|")}|`);
    for (const f of Object.keys(r.detectors[names[0]].per)) {
      const faces = r.detectors[names[0]].per[f].hits + r.detectors[names[0]].per[f].misses;
      console.log(`| ${f} | ${faces} | ${names.map((n) => { const p = r.detectors[n].per[f]; return `${p.hits} / ${p.misses} / ${p.false}`; }).join(" | ")} |`);
    }
    console.log(`| **all** | **${r.faces}** | ${names.map((n) => { const d = r.detectors[n]; return `**${d.hits} / ${d.misses} / ${d.false}**`; }).join(" | ")} |`);
  }
  else {
    console.log(`${r.photos} photos, ${r.faces} faces a person sees (fixtures/faces/faces-seen.json); CPU flags: ${cpuFlags()}`);
    for (const [name, d] of Object.entries(r.detectors)) console.log(`${name}: ${d.hits} hits, ${d.misses} misses, ${d.false} false boxes, ${d.ms} ms`);
    const names = Object.keys(r.detectors);
    for (const f of Object.keys(r.detectors[names[0]].per)) {
      const cells = names.map((n) => { const p = r.detectors[n].per[f]; return `${p.hits}/${p.misses}/${p.false}`; });
      if (new Set(cells).size > 1) console.log(`  ${f}: ${names.map((n, i) => `${n} ${cells[i]}`).join(", ")}`);
    }
  }
}
