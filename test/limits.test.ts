// Documented limits (src/limits.ts, the cascade reader's) are enforced before anything big is allocated, and
// weights or graphs that cannot run are refused by name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import jpeg from "jpeg-js";
import { describe, expect, it } from "vitest";
import { decodeImage, decodeJpeg, decodePng, FaceDetector, ImageError, LIMITS, LimitError, loadCascade, loadLayersModel, ModelFormatError } from "../src/index.js";
import { MAX_CASCADE_XML_CHARS } from "../src/detect/cascade.js";
import { MAX_XML_ELEMENTS } from "../src/detect/xml.js";
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

  it("images handed to the detector directly are held to the same limits", () => {
    const det = new FaceDetector();
    const img = { data: new Uint8Array(1), width: 60000, height: 60000, channels: 1 as const };
    expect(() => det.detect(img)).toThrow(LimitError);
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

  it(`XML with over ${MAX_XML_ELEMENTS} elements is refused while parsing, before the tree grows past that`, () => {
    const xml = `<opencv_storage>${"<_/>".repeat(MAX_XML_ELEMENTS + 1)}</opencv_storage>`;
    expect(() => loadCascade(xml, "many.xml")).toThrow(/^many\.xml: line 1: over 1000000 elements/);
  });
});

describe("FER2013 CSV limits", () => {
  it("a line longer than MAX_FER_LINE is refused with its row, without buffering the rest of it", async () => {
    const { loadFer2013Splits, MAX_FER_LINE } = await import("../src/train/fer2013.js");
    const { writeFileSync } = await import("node:fs");
    const file = join(tempDir("fer"), "long.csv");
    writeFileSync(file, "emotion,pixels,Usage\n0," + "1 ".repeat(MAX_FER_LINE) + ",Training\n");
    await expect(loadFer2013Splits(file, ["Training"])).rejects.toThrow(/long\.csv: row 1: line over 65536 characters/);
  });
});
