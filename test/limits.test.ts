// Documented limits (src/limits.ts, the cascade reader's, the FER2013 reader's) are enforced before anything big
// is allocated, each tested at its edge (the limit itself passes, one more is refused), and weights or graphs
// that cannot run are refused by name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import jpeg from "jpeg-js";
import { describe, expect, it } from "vitest";
import {
  decodeImage, decodeJpeg, decodePng, FaceDetector, ImageError, input, LIMITS, LimitError, loadCascade, loadLayersModel, Model, ModelFormatError,
  ReLU, UpSampling2D, ZeroPadding2D,
} from "../src/index.js";
import { MAX_CASCADE_XML_CHARS, MAX_STAGES } from "../src/detect/cascade.js";
import { allocationEnd } from "../src/engine/wasm.js";
import { checkSize } from "../src/detect/frame.js";
import { yunetInputSize } from "../src/detect/yunet.js";
import { jpegSize } from "../src/image/jpeg.js";
import { pngSize } from "../src/image/png.js";
import { MAX_DEPTH, MAX_XML_ELEMENTS, parseXml } from "../src/detect/xml.js";
import { tempDir } from "./temp-dir.js";

const ROOT = new URL("..", import.meta.url).pathname;
const MODEL = join(ROOT, "fixtures/reference-model");
const modelJSON = () => JSON.parse(readFileSync(join(MODEL, "model.json"), "utf8"));
const weights = readFileSync(join(MODEL, "group1-shard1of1.bin"));
const CASCADE = readFileSync(join(ROOT, "models/haarcascades/haarcascade_frontalface_default.xml"), "utf8");

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}
/** A well-formed PNG whose header claims w×h, with one row's worth of data. */
function pngHeader(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(1 + 4 * 16))), chunk("IEND", new Uint8Array(0))]);
}
/** A small real JPEG with its frame header rewritten to claim w×h. */
function jpegClaiming(w: number, h: number): Uint8Array {
  const b = Uint8Array.from(jpeg.encode({ width: 16, height: 16, data: Buffer.alloc(16 * 16 * 4, 200) }, 80).data);
  for (let i = 2; i < b.length; ) {
    if (b[i + 1] === 0xc0) {
      b.set([h >> 8, h & 255, w >> 8, w & 255], i + 5);
      return b;
    }
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  throw new Error("no SOF0");
}
/** Runs f and returns what it threw, with the growth of JS heap + external memory while it ran. */
function thrown(f: () => unknown): { error: any; grewMB: number } {
  const m0 = process.memoryUsage();
  let error: any = null;
  try {
    f();
  } catch (e) {
    error = e;
  }
  const m1 = process.memoryUsage();
  return { error, grewMB: (m1.heapUsed + m1.external + m1.arrayBuffers - m0.heapUsed - m0.external - m0.arrayBuffers) / 2 ** 20 };
}

describe("image size limits, checked on the header before decoding", () => {
  it("a 60,000×60,000 PNG header is refused with LimitError, without allocating its pixels", () => {
    const png = pngHeader(60000, 60000);
    for (const f of [() => decodePng(png, "huge.png"), () => decodeImage(png, "huge.png")]) {
      const { error, grewMB } = thrown(f);
      expect(error).toBeInstanceOf(LimitError);
      expect(error.message).toMatch(/^huge\.png: PNG is 60000×60000, over the limit of 16384 px a side/);
      expect(grewMB).toBeLessThan(16);
    }
    // a side at the limit but too many pixels in all
    expect(() => decodePng(pngHeader(16384, 8192), "wide.png")).toThrow(/over the limit .* 67108864 pixels/);
  });

  it("a PNG whose image data cannot inflate to its declared size is refused before pngjs allocates (fuzz find)", () => {
    const { error, grewMB } = thrown(() => decodePng(pngHeader(8192, 8192), "bomb.png"));
    expect(error).toBeInstanceOf(ImageError);
    expect(error.message).toMatch(/^bomb\.png: PNG header says 8192×8192, but its \d+ bytes of image data cannot inflate to that/);
    expect(grewMB).toBeLessThan(16);
  });

  it("a 60,000×60,000 JPEG header is refused with LimitError, without allocating its pixels", () => {
    const j = jpegClaiming(60000, 60000);
    for (const f of [() => decodeJpeg(j, "huge.jpg"), () => decodeImage(j, "huge.jpg")]) {
      const { error, grewMB } = thrown(f);
      expect(error).toBeInstanceOf(LimitError);
      expect(error.message).toMatch(/^huge\.jpg: JPEG is 60000×60000, over the limit/);
      expect(grewMB).toBeLessThan(16);
    }
  });

  it("a JPEG claiming more pixels than its bytes can code is refused before jpeg-js allocates the frame (fuzz find)", () => {
    const j = jpegClaiming(7936, 8191); // within the size limit; 600 bytes cannot hold 1 M blocks
    const t0 = performance.now();
    const { error, grewMB } = thrown(() => decodeJpeg(j, "bomb.jpg"));
    expect(error).toBeInstanceOf(ImageError);
    expect(error.message).toMatch(/^bomb\.jpg: JPEG header says 7936×8191, but \d+ bytes cannot hold that many pixels/);
    expect(grewMB).toBeLessThan(16);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it("a 3000×2000 colour JPEG decodes (jpeg-js's memory budget was too small for colour images over about 5 MP)", () => {
    const w = 3000, h = 2000;
    const enc = jpeg.encode({ width: w, height: h, data: Buffer.alloc(w * h * 4, 120) }, 50).data;
    const img = decodeJpeg(enc, "photo.jpg");
    expect([img.width, img.height, img.data.length]).toEqual([w, h, w * h * 4]);
  });

  it("at the edge: 16,384 px a side and 67,108,864 pixels pass the header check, one more is refused", () => {
    const side = LIMITS.maxImageSide, rows = LIMITS.maxImagePixels / side;
    for (const [w, h, ok] of [[side, 1, true], [side + 1, 1, false], [1, side, true], [1, side + 1, false], [side, rows, true], [side, rows + 1, false]] as const) {
      for (const [what, f] of [["PNG", () => pngSize(pngHeader(w, h), "x.png")], ["JPEG", () => jpegSize(jpegClaiming(w, h), "x.jpg")], ["frame", () => checkSize({ data: new Uint8Array(0), width: w, height: h })],
        ["YuNet frame", () => yunetInputSize({ data: new Uint8Array(0), width: w, height: h })]] as const) {
        // at the limit: no LimitError (a JPEG this small may still be refused as unable to hold the pixels)
        const { error } = thrown(f);
        expect(error instanceof LimitError, `${what} ${w}×${h}: ${error?.message}`).toBe(!ok);
      }
    }
  });

  it("at the edge: PNG data that can inflate 1032-fold to the rows and JPEG bytes enough for the pixels pass; one less is refused", () => {
    // 1032 rows of 1 + 4·16 bytes (filter byte, 16 RGBA pixels) from 65 bytes of IDAT: exactly 1032-fold
    const png = (h: number) => {
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(16, 0);
      ihdr.writeUInt32BE(h, 4);
      ihdr.set([8, 6, 0, 0, 0], 8);
      return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", Buffer.alloc(65, 1)), chunk("IEND", new Uint8Array(0))]);
    };
    // past the check, pngjs refuses these 65 bytes as deflate data
    expect(() => decodePng(png(1032), "at.png")).toThrow(/^at\.png: PNG does not decode/);
    expect(() => decodePng(png(1033), "over.png")).toThrow(/^over\.png: PNG header says 16×1033, but its 65 bytes of image data cannot inflate to that/);
    // a sequential JPEG needs a byte a 256 pixels, a progressive one a byte a 512: 256×n (512×n) pixels in n bytes
    for (const [marker, per] of [[0xc0, 256], [0xc2, 512]]) {
      const j = jpegClaiming(per, 1);
      const sof = j.findIndex((b, i) => b === 0xff && j[i + 1] === 0xc0);
      j[sof + 1] = marker;
      j.set([j.length >> 8, j.length & 255], sof + 5); // the height: as many rows as bytes
      expect(jpegSize(j, "at.jpg")).toMatchObject({ width: per, height: j.length });
      expect(() => jpegSize(j.subarray(0, j.length - 1), "short.jpg")).toThrow(`short.jpg: JPEG header says ${per}×${j.length}, but ${j.length - 1} bytes cannot hold that many pixels`);
    }
  });

  it("images handed to the detector directly are held to the same limits", () => {
    const det = new FaceDetector();
    const img = { data: new Uint8Array(1), width: 60000, height: 60000, channels: 1 as const };
    expect(() => det.detect(img)).toThrow(LimitError);
    // and at the small end: 1×1 is taken, a side of 0 refused
    const small = [[checkSize, "image: width and height must be positive integers, found"], [yunetInputSize, "frame: expected a non-empty image, found"]] as const;
    for (const [f, refusal] of small) {
      expect(() => f({ data: new Uint8Array(1), width: 1, height: 1, channels: 1 }), refusal).not.toThrow();
      for (const [w, h] of [[0, 1], [1, 0]]) expect(() => f({ data: new Uint8Array(0), width: w, height: h, channels: 1 })).toThrow(new ImageError(`${refusal} ${w}×${h}`));
    }
  });
});

describe("model limits and refusals", () => {
  const fails = async (src: any, re: RegExp, E: any = ModelFormatError) => {
    const e = await loadLayersModel(src).then(() => null, (x) => x);
    expect(e).toBeInstanceOf(E);
    expect(e.message).toMatch(re);
  };

  it(`model.json over ${LIMITS.maxModelJsonBytes} bytes is refused before JSON.parse`, async () => {
    await fails({ modelJSON: " ".repeat(LIMITS.maxModelJsonBytes + 1), weightData: new ArrayBuffer(0) }, /^modelJSON: \d+ bytes, over the limit of 16777216/);
  });

  it(`weights over ${LIMITS.maxWeightBytes} bytes are refused, in memory as on disk`, async () => {
    // zero-filled pages are not touched, so this costs address space, not memory
    await fails({ modelJSON: modelJSON(), weightData: [new ArrayBuffer(LIMITS.maxWeightBytes), new ArrayBuffer(4)] }, /^modelJSON: weights total 268435460 bytes, over the limit/);
  });

  it(`more than ${LIMITS.maxLayers} layers are refused before any layer is built`, async () => {
    const j = modelJSON();
    const layers = j.modelTopology.config.layers;
    while (layers.length <= LIMITS.maxLayers) layers.push({ ...layers[layers.length - 1], name: `pad${layers.length}` });
    await fails({ modelJSON: j, weightData: weights }, /^modelJSON: 4097 layers, over the limit of 4096/);
  });

  it("at the edge: model.json of exactly the limit, weights of exactly the limit, 4,096 layers are not refused for their size", async () => {
    const notOver = async (src: any, re: RegExp) => {
      const e = await loadLayersModel(src).then(() => null, (x) => x);
      // refused for something else (these are no real models), but not for the size
      expect(e?.message ?? "").not.toMatch(re);
    };
    await notOver({ modelJSON: " ".repeat(LIMITS.maxModelJsonBytes), weightData: new ArrayBuffer(0) }, /over the limit/);
    await notOver({ modelJSON: modelJSON(), weightData: [new ArrayBuffer(LIMITS.maxWeightBytes)] }, /over the limit/);
    const j = modelJSON();
    const layers = j.modelTopology.config.layers;
    while (layers.length < LIMITS.maxLayers) layers.push({ ...layers[layers.length - 1], name: `pad${layers.length}` });
    await notOver({ modelJSON: j, weightData: weights }, /layers, over the limit/);
  });

  it(`a model built in code: ${LIMITS.maxLayers} layers taken, one more refused`, () => {
    const chain = (n: number) => {
      const x = input({ shape: [2] });
      let y = x;
      for (let i = 1; i < n; i++) y = new ReLU().apply(y); // the input layer is the first
      return new Model({ inputs: x, outputs: y });
    };
    expect(chain(LIMITS.maxLayers).layers.length).toBe(LIMITS.maxLayers);
    expect(() => chain(LIMITS.maxLayers + 1)).toThrow(new ModelFormatError(`model has ${LIMITS.maxLayers + 1} layers, over the limit of ${LIMITS.maxLayers}`));
  });

  it("a weight declared larger than the shards is refused before its values are allocated", async () => {
    const j = modelJSON();
    j.weightsManifest[0].weights[0].shape = [100000, 100000, 1, 1];
    await fails({ modelJSON: j, weightData: weights }, /needs bytes 0\.\.40000000000 of weight group 0, but its shards hold 217920 bytes/);
  });

  it("a malformed weightsManifest in an already-parsed model.json is a ModelFormatError (was a TypeError)", async () => {
    const j = modelJSON();
    j.weightsManifest = { paths: [] };
    await fails({ modelJSON: j, weightData: weights }, /^modelJSON: weightsManifest must be a list/);
  });

  for (const [what, v] of [["NaN", NaN], ["Infinity", Infinity], ["-Infinity", -Infinity]] as const) {
    it(`a weight of ${what} is refused, naming the weight and index`, async () => {
      const data = Buffer.from(weights);
      data.writeFloatLE(v, 4);
      await fails({ modelJSON: modelJSON(), weightData: data }, new RegExp(`weight "block1_sepconv1/depthwise_kernel": value 1 is ${what.replace("-", "\\-")}, expected a finite number`));
    });
  }

  it("NaN through float16 and uint8 quantization is refused too", async () => {
    const j = modelJSON();
    const w0 = j.weightsManifest[0].weights[0]; // 9 floats
    w0.quantization = { dtype: "float16" };
    const half = Buffer.alloc(18);
    half.writeUInt16LE(0x7e00, 4); // a float16 NaN
    await fails({ modelJSON: j, weightData: Buffer.concat([half, weights.subarray(36)]) }, /block1_sepconv1\/depthwise_kernel": value 2 is NaN/);
    w0.quantization = { dtype: "uint8", scale: Infinity, min: 0 };
    await fails({ modelJSON: j, weightData: Buffer.concat([Buffer.alloc(9, 1), weights.subarray(36)]) }, /value 0 is Infinity/);
  });

  it("shapes that do not chain are refused, naming the layer", async () => {
    const j = modelJSON();
    // block1's residual add gets 32 channels from one side and 16 from the other
    const conv3 = j.modelTopology.config.layers.find((l: any) => l.name === "block1_sepconv3");
    conv3.config.filters = 16;
    await fails({ modelJSON: j, weightData: weights }, /block1_add/);
    const k = modelJSON();
    // a pooling window larger than the 12×12 map it gets
    const pool = k.modelTopology.config.layers.find((l: any) => l.name === "block3_pool");
    pool.config.pool_size = pool.config.strides = [50, 50];
    await fails({ modelJSON: k, weightData: weights }, /block3_pool/);
  });
});

describe(`WASM memory: ${LIMITS.maxWasmBytes} bytes an engine`, () => {
  it("at the edge: an allocation ending at the limit passes, one 64-byte block more is refused", () => {
    const cap = LIMITS.maxWasmBytes;
    expect(allocationEnd(0, cap)).toBe(cap);
    expect(allocationEnd(64, cap - 64)).toBe(cap);
    expect(allocationEnd(64, cap - 127)).toBe(cap); // rounded up to 64 bytes, still at the limit
    for (const [p, bytes] of [[0, cap + 1], [64, cap - 63]]) {
      expect(() => allocationEnd(p, bytes)).toThrow(new LimitError(`WASM memory: ${cap + 64} bytes needed, over the limit of ${cap} (LIMITS.maxWasmBytes)`));
    }
  });

  it("a model whose tensor does not fit is refused while compiling, before the memory grows to it", () => {
    // [1, 1, 1] padded to 32,767 rows, then widened 16,384 times: 2 GiB of floats in one tensor
    const x = input({ shape: [1, 1, 1] });
    const wide = new UpSampling2D({ size: [1, 16384] }).apply(new ZeroPadding2D({ padding: [16383, 0] } as never).apply(x));
    const { error, grewMB } = thrown(() => new Model({ inputs: x, outputs: wide }).compiled());
    expect(error).toBeInstanceOf(LimitError);
    expect(error.message).toMatch(/^WASM memory: \d{10} bytes needed, over the limit of 1073741824 \(LIMITS\.maxWasmBytes\)$/);
    expect(grewMB).toBeLessThan(16);
  });
});

describe("cascade limits and refusals", () => {
  it("a cascade with no stages is refused", () => {
    const xml = CASCADE.replace(/<stages>[\s\S]*<\/stages>/, "<stages></stages>");
    expect(() => loadCascade(xml, "empty.xml")).toThrow(/^empty\.xml: line \d+: <stages>: the cascade has no stages$/);
    expect(() => new FaceDetector({ cascade: xml })).toThrow(ModelFormatError);
  });

  it("a stage with no weak classifiers, and a cascade with no features, are refused", () => {
    expect(() => loadCascade(CASCADE.replace(/<weakClassifiers>[\s\S]*?<\/weakClassifiers>/, "<weakClassifiers></weakClassifiers>"), "c.xml")).toThrow(/stage has no weak classifiers/);
    expect(() => loadCascade(CASCADE.replace(/<features>[\s\S]*<\/features>/, "<features></features>"), "c.xml")).toThrow(/<features>: no features/);
  });

  it(`XML over ${MAX_CASCADE_XML_CHARS} characters is refused before parsing`, () => {
    const { error, grewMB } = thrown(() => loadCascade(" ".repeat(MAX_CASCADE_XML_CHARS + 1), "big.xml"));
    expect(error).toBeInstanceOf(ModelFormatError);
    expect(error.message).toMatch(/^big\.xml: 33554433 characters, over the limit/);
    expect(grewMB).toBeLessThan(80); // the string itself, not a tree
  });

  it("at the edge: XML of exactly the character limit and of exactly the element limit is read (then refused as no cascade)", () => {
    expect(() => loadCascade(" ".repeat(MAX_CASCADE_XML_CHARS), "at.xml")).toThrow(/^at\.xml: (?!.*over the limit)/);
    // the root and MAX_XML_ELEMENTS - 1 children: read whole, then found to hold no cascade
    const xml = `<opencv_storage>${"<_/>".repeat(MAX_XML_ELEMENTS - 1)}</opencv_storage>`;
    expect(() => loadCascade(xml, "at.xml")).toThrow(/^at\.xml: (?!.*elements)/);
  });

  it(`XML with over ${MAX_XML_ELEMENTS} elements is refused while parsing, before the tree grows past that`, () => {
    const xml = `<opencv_storage>${"<_/>".repeat(MAX_XML_ELEMENTS + 1)}</opencv_storage>`;
    expect(() => loadCascade(xml, "many.xml")).toThrow(/^many\.xml: line 1: over 1000000 elements/);
  });

  it(`at the edge: ${MAX_DEPTH} nested elements, character reference U+10FFFF, ${MAX_STAGES} stages are read; one more is refused`, () => {
    const nested = (n: number) => "<a>".repeat(n) + "</a>".repeat(n);
    let deepest = parseXml(nested(MAX_DEPTH), "deep.xml"), depth = 1;
    while (deepest.children.length) [deepest, depth] = [deepest.children[0], depth + 1];
    expect(depth).toBe(MAX_DEPTH);
    expect(() => parseXml(nested(MAX_DEPTH + 1), "deep.xml")).toThrow(/^deep\.xml: line 1: elements nested deeper than 256$/);
    expect(parseXml("<a>&#x10FFFF;</a>").text).toBe(String.fromCodePoint(0x10ffff));
    expect(() => parseXml("<a>&#x110000;</a>", "ref.xml")).toThrow(/^ref\.xml: line 1: bad character reference &#x110000;$/);
    const stage = "<_><stageThreshold>0</stageThreshold><weakClassifiers><_><internalNodes>0 -1 0 0.25</internalNodes><leafValues>1 2</leafValues></_></weakClassifiers></_>";
    const stages = (n: number) => `<opencv_storage><cascade><stageType>BOOST</stageType><featureType>HAAR</featureType><height>2</height><width>2</width><featureParams><maxCatCount>0</maxCatCount></featureParams>
      <stages>${stage.repeat(n)}</stages><features><_><rects><_>0 0 2 2 1.</_></rects><tilted>0</tilted></_></features></cascade></opencv_storage>`;
    expect(loadCascade(stages(MAX_STAGES), "at.xml").stageTrees.length).toBe(MAX_STAGES);
    expect(() => loadCascade(stages(MAX_STAGES + 1), "many.xml")).toThrow(/^many\.xml: line \d+: <stages>: 10001 stages, over the limit of 10000$/);
  });
});

describe("FER2013 CSV limits", () => {
  it("at the edge: a line of MAX_FER_LINE characters is read, one more refused; MAX_FER_ROWS rows read, one more refused", async () => {
    const { loadFer2013Splits, MAX_FER_LINE, MAX_FER_ROWS } = await import("../src/train/fer2013.js");
    const { writeFileSync } = await import("node:fs");
    const dir = tempDir("fer-edge");
    const face = "0," + Array.from({ length: 2304 }, (_, i) => i % 256).join(" ") + ",Training";
    const line = (n: number) => {
      const head = "0,", tail = ",Training", fill = n - head.length - tail.length;
      return head + "7 ".repeat(fill >> 1) + (fill & 1 ? "7" : "") + tail;
    };
    const at = join(dir, "at.csv"), over = join(dir, "over.csv");
    writeFileSync(at, `emotion,pixels,Usage\n${line(MAX_FER_LINE)}\n`);
    writeFileSync(over, `emotion,pixels,Usage\n${line(MAX_FER_LINE + 1)}\n`);
    // read as a row (and refused as one: too many pixels), not refused as a line
    await expect(loadFer2013Splits(at, ["Training"])).rejects.toThrow(/row 1: pixels has \d+ values, expected 2304$/);
    await expect(loadFer2013Splits(over, ["Training"])).rejects.toThrow(/row 1: line (of 65537 characters, over the limit of|over) 65536/);
    // rows of another split are counted, not parsed: MAX_FER_ROWS rows in all, then one more
    const rows = (n: number) => `emotion,pixels,Usage\n${face}\n${"0,0,Other\n".repeat(n - 1)}`;
    writeFileSync(at, rows(MAX_FER_ROWS));
    writeFileSync(over, rows(MAX_FER_ROWS + 1));
    expect((await loadFer2013Splits(at, ["Training"])).Training.n).toBe(1);
    await expect(loadFer2013Splits(over, ["Training"])).rejects.toThrow(`row ${MAX_FER_ROWS + 1}: more than ${MAX_FER_ROWS} rows`);
  });

  it("a row's values at their edges: pixel 255 read, 256 refused; 2,304 values read, 2,303 and 2,305 refused; label 6 read, 7 refused", async () => {
    const { loadFer2013 } = await import("../src/train/fer2013.js");
    const { writeFileSync } = await import("node:fs");
    const dir = tempDir("fer-row");
    const row = (label: number, pixels: number[]) => `${label},${pixels.join(" ")},Training`;
    const read = (r: string) => {
      const f = join(dir, "r.csv");
      writeFileSync(f, `emotion,pixels,Usage\n${r}\n`);
      return loadFer2013(f, ["Training"]);
    };
    const ok = await read(row(6, new Array(2304).fill(255)));
    expect([ok.labels[0], ok.pixels[0], ok.pixels[2303]]).toEqual([6, 255, 255]);
    await expect(read(row(0, [256, ...new Array(2303).fill(0)]))).rejects.toThrow(/row 1: pixel 1 is over 255/);
    await expect(read(row(0, new Array(2303).fill(0)))).rejects.toThrow(/row 1: pixels has 2303 values, expected 2304/);
    await expect(read(row(0, new Array(2305).fill(0)))).rejects.toThrow(/row 1: pixels has 2305 values, expected 2304/);
    await expect(read(row(7, new Array(2304).fill(0)))).rejects.toThrow(/row 1: emotion is "7", expected an integer 0\.\.6/);
  });

  it("a line longer than MAX_FER_LINE is refused with its row, without buffering the rest of it", async () => {
    const { loadFer2013Splits, MAX_FER_LINE } = await import("../src/train/fer2013.js");
    const { writeFileSync } = await import("node:fs");
    const file = join(tempDir("fer"), "long.csv");
    writeFileSync(file, "emotion,pixels,Usage\n0," + "1 ".repeat(MAX_FER_LINE) + ",Training\n");
    await expect(loadFer2013Splits(file, ["Training"])).rejects.toThrow(/long\.csv: row 1: line over 65536 characters/);
  });
});
