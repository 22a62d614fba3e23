import { gunzipSync } from "node:zlib";
// The valid inputs the fuzzer mutates, built once per run from the repository's fixtures. Small versions are
// made alongside the real files (crops re-encoded, a few generated cascades, a few-filter model) so that
// ten thousand cases per parser run in minutes; the real files stay in the mix so their structure
// (progressive JPEG, Keras-exported JSON, OpenCV's XML layout) is mutated too.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { Rng } from "./rng.mjs";

export function loadBases(root, lib) {
  const f = (p) => join(root, p);
  return {
    png: pngBases(f),
    jpeg: jpegBases(f),
    cascade: cascadeBases(f),
    model: modelBases(f, lib),
    fer: ferBases(f),
  };
}

function crop(img, x0, y0, w, h) {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) img.data.copy(data, y * w * 4, ((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x0 + w) * 4);
  return { width: w, height: h, data };
}

function pngBases(f) {
  const real = readFileSync(f("fixtures/faces/obama_small.png"));
  const img = PNG.sync.read(real);
  const out = [{ name: "obama_small.png", bytes: new Uint8Array(real), weight: 1 }];
  // every colour type pngjs writes, at sizes small enough to decode in well under a millisecond
  for (const [w, h] of [[24, 24], [37, 13], [1, 1]]) {
    const c = crop(img, 100, 60, w, h);
    for (const colorType of [0, 2, 4, 6]) {
      const p = new PNG({ width: w, height: h, colorType, inputColorType: 6, inputHasAlpha: true });
      p.data = c.data;
      out.push({ name: `crop${w}x${h}-ct${colorType}.png`, bytes: new Uint8Array(PNG.sync.write(p, { colorType, inputColorType: 6, inputHasAlpha: true })), weight: 3 });
    }
  }
  return out;
}

function jpegBases(f) {
  const real = readFileSync(f("fixtures/faces-jpeg/astronaut.jpg"));
  const img = jpeg.decode(real, { useTArray: true, formatAsRGBA: true });
  const out = [{ name: "astronaut.jpg", bytes: new Uint8Array(real), weight: 1 }];
  const buf = { width: img.width, height: img.height, data: Buffer.from(img.data) };
  for (const [w, h, q] of [[16, 16, 90], [33, 17, 50], [8, 8, 10], [48, 40, 75]]) {
    const c = crop(buf, 200, 100, w, h);
    out.push({ name: `crop${w}x${h}-q${q}.jpg`, bytes: new Uint8Array(jpeg.encode(c, q).data), weight: 4 });
  }
  return out;
}

// Cascades in OpenCV's layout, generated with a fixed seed: stumps and trees, 1–3 rectangles, some tilted,
// so the tree and tilted paths of the reader and the packer are mutated too.
function genCascade(rng, { trees, tilted }) {
  const W = 24, H = 24;
  const nf = 3 + rng.int(6);
  const feats = [];
  for (let i = 0; i < nf; i++) {
    const tilt = tilted && i % 2 === 1;
    const rects = [];
    for (let r = 0, n = 2 + rng.int(2); r < n; r++) {
      const w = 1 + rng.int(6), h = 1 + rng.int(6);
      // tilted rectangles run down-left and down-right from (x, y): need x ≥ h, x + w ≤ W, y + w + h ≤ H
      const x = tilt ? h + rng.int(W - h - w + 1) : rng.int(W - w + 1);
      const y = tilt ? rng.int(H - w - h + 1) : rng.int(H - h + 1);
      rects.push(`          ${x} ${y} ${w} ${h} ${r === 0 ? -1 : rng.pick([2, 3])}.</_>`);
    }
    feats.push(`    <_>\n      <rects>\n        <_>\n${rects.join("\n        <_>\n")}</rects>${tilt ? "\n      <tilted>1</tilted>" : ""}</_>`);
  }
  const stages = [];
  for (let s = 0, ns = 1 + rng.int(3); s < ns; s++) {
    const weak = [];
    for (let k = 0, nk = 1 + rng.int(3); k < nk; k++) {
      const nodes = trees ? 1 + rng.int(3) : 1;
      // node k's children: a later node or a leaf (−leaf index); a chain keeps every node reachable
      const inn = [];
      for (let j = 0; j < nodes; j++) inn.push(`${j + 1 < nodes ? j + 1 : -nodes} ${-j} ${rng.int(nf)} ${(rng.next() * 0.02 - 0.01).toExponential(8)}`);
      const leaves = Array.from({ length: nodes + 1 }, () => (rng.next() * 2 - 1).toFixed(6));
      weak.push(`        <_>\n          <internalNodes>\n            ${inn.join("\n            ")}</internalNodes>\n          <leafValues>\n            ${leaves.join(" ")}</leafValues></_>`);
    }
    stages.push(`    <_>\n      <maxWeakCount>${weak.length}</maxWeakCount>\n      <stageThreshold>${(rng.next() - 0.5).toExponential(8)}</stageThreshold>\n      <weakClassifiers>\n${weak.join("\n")}</weakClassifiers></_>`);
  }
  return `<?xml version="1.0"?>
<opencv_storage>
<cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
  <featureType>HAAR</featureType>
  <height>${H}</height>
  <width>${W}</width>
  <stageParams>
    <maxWeakCount>3</maxWeakCount></stageParams>
  <featureParams>
    <maxCatCount>0</maxCatCount></featureParams>
  <stageNum>${stages.length}</stageNum>
  <stages>
${stages.join("\n")}</stages>
  <features>
${feats.join("\n")}</features></cascade>
</opencv_storage>
`;
}

function cascadeBases(f) {
  const rng = new Rng(7);
  const out = [];
  for (let i = 0; i < 6; i++) out.push({ name: `gen${i}.xml`, text: genCascade(rng, { trees: i % 2 === 1, tilted: i >= 3 }), weight: 10 });
  // the real 930 KB file parses in about half a second here, so it is mutated rarely
  out.push({ name: "haarcascade_frontalface_default.xml", text: readFileSync(f("models/haarcascades/haarcascade_frontalface_default.xml"), "utf8"), weight: 0.1 });
  return out;
}

function modelBases(f, lib) {
  const ref = { name: "reference-model", json: readFileSync(f("fixtures/reference-model/model.json"), "utf8"), bin: new Uint8Array(readFileSync(f("fixtures/reference-model/group1-shard1of1.bin"))), weight: 1 };
  // the same architecture with 2/3/4 filters: every layer kind of the real model, 1/100 of the weights
  const tiny = lib.modelToArtifacts(lib.resezap({ filters: [2, 3, 4], seed: 3 }));
  return [ref, { name: "resezap-tiny", json: JSON.stringify(tiny.modelJSON), bin: new Uint8Array(tiny.weightData), weight: 6 }];
}

function ferBases(f) {
  const lines = gunzipSync(readFileSync(f("fixtures/fer2013-sample.csv.gz"))).toString("utf8").split("\n");
  // header + a few rows of each split; the whole 3.4 MB sample per case would make 10,000 cases take an hour
  const train = lines.slice(1).filter((l) => l.endsWith("Training")).slice(0, 3);
  const pub = lines.slice(1).filter((l) => l.endsWith("PublicTest")).slice(0, 2);
  return [
    { name: "fer-5rows.csv", text: [lines[0], ...train, ...pub].join("\n") + "\n", weight: 3 },
    { name: "fer-crlf.csv", text: [lines[0], train[0], pub[0]].join("\r\n") + "\r\n", weight: 1 },
  ];
}

export function pickBase(rng, list) {
  const total = list.reduce((s, b) => s + b.weight, 0);
  let r = rng.next() * total;
  for (const b of list) if ((r -= b.weight) < 0) return b;
  return list[list.length - 1];
}
