// One fuzz target per parser: gen(rng) makes a mutated input from the valid bases; run(input) feeds it to the
// library and, when it is accepted, uses the result the way a caller would (predict on a loaded model, detect
// with a loaded cascade), so a bad value that slips through the parser and traps later is caught too.
// `lib` is the library's API (dist/index.js for scripts/fuzz.mjs, src/index.ts for the vitest suite).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { concat, corruptNumber, mutateBytes, mutateJson, mutateText } from "./mutate.mjs";
import { pickBase } from "./fixtures.mjs";
import { Rng } from "./rng.mjs";

// ---- PNG -------------------------------------------------------------------------------------------------

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b) {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunks(b) {
  const out = [];
  for (let i = 8; i + 12 <= b.length; ) {
    const len = new DataView(b.buffer, b.byteOffset).getUint32(i);
    if (i + 12 + len > b.length) break;
    out.push({ at: i, len });
    i += 12 + len;
  }
  return out;
}

/** Rewrites the CRC of the chunk at `at`, so the mutation reaches the decoder instead of the CRC check. */
function fixCrc(b, at) {
  const dv = new DataView(b.buffer, b.byteOffset);
  const len = dv.getUint32(at);
  if (at + 12 + len > b.length) return;
  dv.setUint32(at + 8 + len, crc32(b.subarray(at + 4, at + 8 + len)));
}

const DIMS = [0, 1, 60000, 16384, 16385, 65535, 0x7fffffff, 0x80000000, 0xffffffff, 8192, 100000];

function genPng(rng, bases) {
  const base = pickBase(rng, bases);
  let b = Uint8Array.from(base.bytes);
  const op = rng.int(10);
  if (op < 4) b = mutateBytes(rng, b);
  else if (op < 6) {
    // IHDR fields (size, bit depth, colour type, compression, filter, interlace) with a valid CRC
    const dv = new DataView(b.buffer);
    const f = rng.int(4);
    if (f === 0) dv.setUint32(16, rng.pick(DIMS)), dv.setUint32(20, rng.pick(DIMS));
    else if (f === 1) dv.setUint32(16 + 4 * rng.int(2), rng.pick(DIMS));
    else b[24 + rng.int(5)] = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 255]);
    fixCrc(b, 8);
  } else {
    // one chunk's data mutated (zlib stream, palette, ancillary chunks) and its CRC fixed
    const chunks = pngChunks(b);
    const c = rng.pick(chunks);
    const data = mutateBytes(rng, b.subarray(c.at + 8, c.at + 8 + c.len), 1 + rng.int(2));
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, data.length);
    head.set(b.subarray(c.at + 4, c.at + 8), 4);
    const chunk = concat(concat(head, data), new Uint8Array(4));
    b = concat(concat(b.slice(0, c.at), chunk), b.slice(c.at + 12 + c.len));
    fixCrc(b, c.at);
  }
  return { base: base.name, bytes: b };
}

function checkImage(img, what) {
  const ch = img.channels ?? 4;
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * ch) {
    throw new Error(`${what}: decoded to ${img.width}×${img.height} with ${img.data.length} bytes`);
  }
}

// ---- JPEG ------------------------------------------------------------------------------------------------

function jpegSegments(b) {
  const out = [];
  for (let i = 2; i + 4 <= b.length && b[i] === 0xff; ) {
    const m = b[i + 1], len = (b[i + 2] << 8) | b[i + 3];
    out.push({ at: i, m, len });
    if (m === 0xda) break;
    i += 2 + len;
  }
  return out;
}

function genJpeg(rng, bases) {
  const base = pickBase(rng, bases);
  let b = Uint8Array.from(base.bytes);
  const op = rng.int(10);
  const segs = jpegSegments(b);
  if (op < 4 || !segs.length) b = mutateBytes(rng, b);
  else if (op < 6) {
    // the frame header's size and component fields
    const sof = segs.find((s) => s.m >= 0xc0 && s.m <= 0xc2);
    if (sof) {
      const f = rng.int(3);
      const dim = () => rng.pick([0, 1, 60000, 65535, 16384, 16385, 8191, 4096]);
      if (f === 0) (b[sof.at + 5] = dim() >> 8), (b[sof.at + 6] = dim() & 255), (b[sof.at + 7] = dim() >> 8), (b[sof.at + 8] = dim() & 255);
      else if (f === 1) b[sof.at + 4 + rng.int(Math.max(1, sof.len - 2))] = rng.pick([0, 1, 2, 3, 4, 0x11, 0x22, 0x44, 0xff]);
      else b[sof.at + 1] = rng.pick([0xc0, 0xc1, 0xc2, 0xc3, 0xc9, 0xcf]);
    }
  } else {
    // inside one segment (quantisation or Huffman tables, scan header) or the entropy-coded data after SOS
    const s = rng.pick(segs);
    const start = s.at + 4, end = s.m === 0xda ? b.length : Math.min(b.length, s.at + 2 + s.len);
    for (let k = 0, n = 1 + rng.int(4); k < n && end > start; k++) b[start + rng.int(end - start)] = rng.int(256);
  }
  return { base: base.name, bytes: b };
}

// ---- cascade XML -----------------------------------------------------------------------------------------

// An element with no element inside (a number list, a rectangle) or a whole <_> item of a list.
const XML_UNIT = /<(\w+)>[^<]*<\/\1>|<_>\s*<(?:rects|internalNodes|maxWeakCount)>[\s\S]*?<\/_>\s*(?=<_>|<\/)/g;

function genCascade(rng, bases) {
  const base = pickBase(rng, bases);
  let t = base.text;
  const op = rng.int(10);
  if (op < 6) t = mutateText(rng, t, XML_UNIT);
  else if (op < 8) for (let k = 0, n = 1 + rng.int(3); k < n; k++) t = corruptNumber(rng, t);
  else if (op === 8) t = t.replace(/<stages>[\s\S]*<\/stages>/, rng.pick(["<stages></stages>", "<stages/>", ""]));
  else t = t.replace(/<features>[\s\S]*<\/features>/, rng.pick(["<features></features>", "<features><_><rects></rects></_></features>", ""]));
  return { base: base.name, text: t };
}

// ---- model.json + shards ---------------------------------------------------------------------------------

function genModel(rng, bases) {
  const base = pickBase(rng, bases);
  let json = base.json, bin = base.bin;
  const op = rng.int(20);
  if (op < 7) json = JSON.stringify(mutateJson(rng, JSON.parse(json)));
  else if (op < 10) {
    // one layer's config, or one manifest entry: the places where values become shapes and sizes
    const doc = JSON.parse(json);
    const layers = doc.modelTopology.config.layers;
    const target = rng.chance(0.6) ? rng.pick(layers) : rng.pick(doc.weightsManifest[0].weights);
    mutateJson(rng, target, 1 + rng.int(2));
    json = JSON.stringify(doc);
  } else if (op < 12) json = mutateText(rng, json, /"[^"]*"|-?\d+(\.\d+)?/g);
  else if (op < 16) bin = mutateBytes(rng, bin);
  else if (op < 18) {
    // non-finite weights: NaN, ±Inf as float32 at a weight-aligned place
    bin = Uint8Array.from(bin);
    new DataView(bin.buffer).setFloat32(4 * rng.int(bin.length / 4), rng.pick([NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1e-45]), true);
  } else {
    // weights re-cut: one float more or fewer somewhere, both files mutated
    json = JSON.stringify(mutateJson(rng, JSON.parse(json), 1));
    bin = mutateBytes(rng, bin, 1);
  }
  return { base: base.name, json, bin };
}

// ---- FER2013 CSV -----------------------------------------------------------------------------------------

function genFer(rng, bases) {
  const base = pickBase(rng, bases);
  let text = base.text;
  const op = rng.int(10);
  if (op < 6) text = mutateText(rng, text, /[^\n]*\n/g);
  else if (op < 8) for (let k = 0, n = 1 + rng.int(3); k < n; k++) text = corruptNumber(rng, text);
  else text = text.replace(/\b(Training|PublicTest)\b/g, (m) => (rng.chance(0.3) ? rng.pick(["", "training", "PrivateTest", " Training", "Training\r"]) : m));
  let bytes = new TextEncoder().encode(text);
  const gz = rng.chance(0.2);
  if (gz) {
    bytes = new Uint8Array(gzipSync(bytes));
    if (rng.chance(0.5)) bytes = mutateBytes(rng, bytes, 1);
  }
  return { base: base.name, bytes, gz, usages: rng.pick([["Training"], ["PublicTest"], ["Training", "PublicTest"]]) };
}

// ---- the targets -----------------------------------------------------------------------------------------

function greyNoise(w, h, seed) {
  const r = new Rng(seed), data = new Uint8Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = r.int(256);
  return { data, width: w, height: h, channels: 1 };
}

export function makeTargets(lib, ctx) {
  return {
    png: {
      gen: genPng,
      run(c) {
        const img = lib.decodePng(c.bytes, "fuzz.png");
        checkImage(img, "fuzz.png");
        // and through the signature sniffer the CLI uses
        checkImage(lib.decodeImage(c.bytes, "fuzz.png"), "fuzz.png");
      },
      named: /^fuzz\.png: /,
    },
    jpeg: {
      gen: genJpeg,
      run(c) {
        checkImage(lib.decodeJpeg(c.bytes, "fuzz.jpg"), "fuzz.jpg");
      },
      named: /^fuzz\.jpg: /,
    },
    cascade: {
      gen: genCascade,
      run(c) {
        const cascade = lib.loadCascade(c.text, "fuzz.xml");
        // the compiled scan (src/detect/jit.ts) and the generic one must agree box for box
        const det = new lib.FaceDetector({ cascade, minNeighbors: 0, compile: "always" });
        const generic = new lib.FaceDetector({ cascade, minNeighbors: 0, compile: "never" });
        for (const [w, h] of [[40, 40], [64, 30]]) {
          const img = greyNoise(w, h, w * h);
          const boxes = det.detect(img);
          for (const [x, y, bw, bh] of boxes) {
            if (!(x >= 0 && y >= 0 && bw > 0 && bh > 0 && x + bw <= w && y + bh <= h)) throw new Error(`box ${[x, y, bw, bh]} outside the ${w}×${h} image`);
          }
          const other = generic.detect(img);
          if (JSON.stringify(other) !== JSON.stringify(boxes)) throw new Error(`compiled and generic scans disagree on a ${w}×${h} image: ${JSON.stringify(boxes)} vs ${JSON.stringify(other)}`);
        }
      },
      named: /^fuzz\.xml: /,
    },
    model: {
      gen: genModel,
      async run(c) {
        const model = await lib.loadLayersModel({ modelJSON: c.json, weightData: c.bin });
        const per = model.inputShape.reduce((a, b) => a * b, 1);
        const outPer = model.outputShape.reduce((a, b) => a * b, 1);
        // a loaded model must run; inputs too large to build here are compiled (sized) without running
        if (per > 1 << 20) {
          model.compiled();
          return;
        }
        const y = model.predict(new Float32Array(per * 2).fill(0.5), 2);
        if (y.length !== outPer * 2) throw new Error(`predict returned ${y.length} values, expected ${outPer * 2}`);
      },
      // errors from the graph and the engine name the layer or weight; the rest name the source
      named: /^modelJSON: |^layer |^model |^WASM memory|^predict: /,
    },
    fer: {
      gen: genFer,
      async run(c) {
        const file = join(ctx.tmp, c.gz ? "fuzz.csv.gz" : "fuzz.csv");
        writeFileSync(file, c.bytes);
        const splits = await lib.loadFer2013Splits(file, c.usages);
        for (const u of c.usages) {
          const d = splits[u];
          if (!(d.n > 0) || d.pixels.length !== d.n * 2304 || d.labels.length !== d.n || d.labels.some((l) => l > 6)) throw new Error(`split ${u}: inconsistent result`);
        }
      },
      named: /fuzz\.csv|^row \d+: /,
    },
  };
}

export const PARSERS = ["model", "cascade", "png", "jpeg", "fer"];
