// Streams the Kaggle FER2013 CSV (`emotion,pixels,Usage`; plain or gzipped, told apart by the gzip magic
// bytes) and keeps the rows of one or more Usage splits. Rows are parsed by hand (2304 integers a row,
// 35,887 rows): a bad row is refused with its row number (1-based, the header not counted) and what is wrong.

import { ArgumentError } from "../errors.js";

export const FER_SIDE = 48;
export const FER_PIXELS = FER_SIDE * FER_SIDE;
export const FER_CLASSES = 7;

/** n faces: pixels [n, 48, 48] grey 0–255, labels [n] in 0..6; soft [n, 7] training targets when a run has them (src/train/soft-targets.ts). */
export interface FerData {
  n: number;
  pixels: Uint8Array;
  labels: Uint8Array;
  soft?: Float32Array;
}

class DataError extends ArgumentError {}

/** Parses one CSV line (without its newline); `row` names it in errors. Returns null when its Usage is not wanted. */
export function parseFerRow(line: string, row: number, want: (usage: string) => boolean, pixelsOut: Uint8Array, at: number): { label: number; usage: string } | null {
  const c1 = line.indexOf(",");
  const c2 = line.indexOf(",", c1 + 1);
  if (c1 < 0 || c2 < 0 || line.indexOf(",", c2 + 1) >= 0) throw new DataError(`row ${row}: expected 3 fields emotion,pixels,Usage, found ${line.split(",").length}`);
  const usage = line.slice(c2 + 1).trim();
  if (!want(usage)) return null;
  const es = line.slice(0, c1).trim();
  const label = Number(es);
  if (!/^\d+$/.test(es) || label >= FER_CLASSES) throw new DataError(`row ${row}: emotion is ${JSON.stringify(es)}, expected an integer 0..${FER_CLASSES - 1}`);
  let count = 0, v = -1;
  for (let i = c1 + 1; i <= c2; i++) {
    const ch = i < c2 ? line.charCodeAt(i) : 32;
    if (ch >= 48 && ch <= 57) {
      v = (v < 0 ? 0 : v * 10) + (ch - 48);
      if (v > 255) throw new DataError(`row ${row}: pixel ${count + 1} is over 255`);
    } else if (ch === 32 || ch === 34) {
      // space separates; a quote may wrap the field
      if (v >= 0) {
        if (count < FER_PIXELS) pixelsOut[at + count] = v;
        count++;
        v = -1;
      }
    } else {
      throw new DataError(`row ${row}: pixels has the character ${JSON.stringify(String.fromCharCode(ch))}, expected integers 0–255 separated by spaces`);
    }
  }
  if (count !== FER_PIXELS) throw new DataError(`row ${row}: pixels has ${count} values, expected ${FER_PIXELS}`);
  return { label, usage };
}

/**
 * Reads the rows of the given Usage splits (e.g. ["Training"] or ["PublicTest"]) from a FER2013 CSV,
 * .csv or .csv.gz. Refuses a missing header, a bad row (by number), and an empty selection.
 */
export async function loadFer2013(file: string, usages: string[]): Promise<FerData> {
  const all = await loadFer2013Splits(file, usages);
  if (usages.length === 1) return all[usages[0]];
  return concatFer(usages.map((u) => all[u]));
}

function concatFer(parts: FerData[]): FerData {
  const n = parts.reduce((a, p) => a + p.n, 0);
  const pixels = new Uint8Array(n * FER_PIXELS), labels = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    pixels.set(p.pixels, o * FER_PIXELS);
    labels.set(p.labels, o);
    o += p.n;
  }
  return { n, pixels, labels };
}

/** A valid row is under 10 KB (2,304 numbers of at most 3 digits); longer lines are refused before they grow. */
export const MAX_FER_LINE = 64 * 1024;
/** Rows read at most (2,304 bytes of pixels each, about 580 MB): FER2013 has 35,887. */
export const MAX_FER_ROWS = 250_000;

/** Lines of a byte stream (\n or \r\n), refusing any longer than MAX_FER_LINE while it is still being read. */
async function* boundedLines(stream: AsyncIterable<Buffer | string>, rowOf: () => number): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream) {
    buf += typeof chunk === "string" ? chunk : chunk.toString("latin1");
    let start = 0, nl: number;
    while ((nl = buf.indexOf("\n", start)) >= 0) {
      const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - start > MAX_FER_LINE) throw new DataError(`row ${rowOf()}: line of ${end - start} characters, over the limit of ${MAX_FER_LINE}`);
      yield buf.slice(start, end);
      start = nl + 1;
    }
    buf = buf.slice(start);
    if (buf.length > MAX_FER_LINE) throw new DataError(`row ${rowOf()}: line over ${MAX_FER_LINE} characters`);
  }
  if (buf.length) yield buf.endsWith("\r") ? buf.slice(0, -1) : buf;
}

/** One pass over the file; each wanted Usage's rows, in file order. Refuses a wanted split with no row. */
export async function loadFer2013Splits(file: string, usages: string[]): Promise<Record<string, FerData>> {
  const fs = await import("node:fs");
  const zlib = await import("node:zlib");
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    throw new ArgumentError(`${file}: cannot open (expected the FER2013 CSV, plain or .gz)`);
  }
  const magic = Buffer.alloc(2);
  fs.readSync(fd, magic, 0, 2, 0);
  fs.closeSync(fd);
  const raw = fs.createReadStream(file);
  const stream = magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(zlib.createGunzip()) : raw;
  const want = new Set(usages);
  let cap = 4096, n = 0;
  let pixels = new Uint8Array(cap * FER_PIXELS), labels = new Uint8Array(cap), split = new Uint8Array(cap);
  const usageList = [...want];
  let row = -1;
  // the file's read errors do not travel down a pipe: hand them to the stream we iterate
  if (stream !== raw) raw.on("error", (e: Error) => stream.destroy(e));
  try {
    for await (const line of boundedLines(stream, () => row + 1)) {
      row++;
      if (row > MAX_FER_ROWS) throw new DataError(`row ${row}: more than ${MAX_FER_ROWS} rows (FER2013 has 35,887)`);
      if (row === 0) {
        const h = line.replace(/^(\uFEFF|\u00EF\u00BB\u00BF)/, "").trim().toLowerCase().split(",").map((s) => s.trim().replace(/"/g, ""));
        if (h.join(",") !== "emotion,pixels,usage") throw new DataError(`${file}: header is ${JSON.stringify(line.slice(0, 60))}, expected "emotion,pixels,Usage"`);
        continue;
      }
      if (line.trim() === "") continue;
      if (n === cap) {
        cap *= 2;
        const p2 = new Uint8Array(cap * FER_PIXELS);
        p2.set(pixels);
        pixels = p2;
        const l2 = new Uint8Array(cap);
        l2.set(labels);
        labels = l2;
        const s2 = new Uint8Array(cap);
        s2.set(split);
        split = s2;
      }
      const r = parseFerRow(line, row, (u) => want.has(u), pixels, n * FER_PIXELS);
      if (r) {
        split[n] = usageList.indexOf(r.usage);
        labels[n++] = r.label;
      }
    }
  } catch (e) {
    const code = String((e as NodeJS.ErrnoException).code ?? "");
    if (code.startsWith("Z_")) throw new DataError(`${file}: gzip data is corrupt or cut off after row ${row} (${(e as Error).message})`);
    // parseFerRow's errors name the row; add the file
    if (e instanceof DataError && !e.message.startsWith(file)) throw new DataError(`${file}: ${e.message}`);
    throw e;
  } finally {
    stream.destroy();
    raw.destroy();
  }
  if (row < 0) throw new DataError(`${file}: empty file (expected the header emotion,pixels,Usage)`);
  const out: Record<string, FerData> = {};
  usageList.forEach((u, k) => {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (split[i] === k) idx.push(i);
    if (!idx.length) throw new DataError(`${file}: no rows with Usage ${u}`);
    const px = new Uint8Array(idx.length * FER_PIXELS), lb = new Uint8Array(idx.length);
    idx.forEach((i, j) => {
      px.set(pixels.subarray(i * FER_PIXELS, (i + 1) * FER_PIXELS), j * FER_PIXELS);
      lb[j] = labels[i];
    });
    out[u] = { n: idx.length, pixels: px, labels: lb };
  });
  return out;
}

/** grey/255 as floats [n, 48, 48, 1] for the examples idx (all when omitted). */
export function toFloat(d: FerData, idx?: ArrayLike<number>): Float32Array {
  const m = idx ? idx.length : d.n;
  const out = new Float32Array(m * FER_PIXELS);
  for (let i = 0; i < m; i++) {
    const s = (idx ? idx[i] : i) * FER_PIXELS;
    for (let j = 0; j < FER_PIXELS; j++) out[i * FER_PIXELS + j] = d.pixels[s + j] / 255;
  }
  return out;
}
