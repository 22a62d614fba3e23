// Bad model files: each refused with one clear message naming the layer, weight or file.
import { readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLayersModel, ModelFormatError, ArgumentError } from "../src/index.js";
import { tempDir } from "./temp-dir.js";

const DIR = new URL("../fixtures/reference-model/", import.meta.url).pathname;
const json = () => JSON.parse(readFileSync(join(DIR, "model.json"), "utf8"));
const bin = readFileSync(join(DIR, "group1-shard1of1.bin"));

async function failsWith(modelJSON: any, weightData: Uint8Array, re: RegExp) {
  const err = await loadLayersModel({ modelJSON, weightData }).then(() => null, (e) => e);
  expect(err, "expected an error").toBeInstanceOf(ModelFormatError);
  expect(err.message).toMatch(re);
}

describe("loadLayersModel refuses bad input by name", () => {
  it("unknown layer class", async () => {
    const j = json();
    j.modelTopology.config.layers[3].class_name = "FancyConv2D";
    await failsWith(j, bin, /block1_sepconv2.*unknown layer class "FancyConv2D"/);
  });

  it("missing weight", async () => {
    const j = json();
    const ws = j.weightsManifest[0].weights;
    const i = ws.findIndex((w: any) => w.name === "block2_bn1/gamma");
    ws.splice(i, 1);
    // drop its 64 floats from the data too, so only the name is missing
    const off = ws.slice(0, i).reduce((s: number, w: any) => s + w.shape.reduce((a: number, b: number) => a * b, 1) * 4, 0);
    const data = Buffer.concat([bin.subarray(0, off), bin.subarray(off + 64 * 4)]);
    await failsWith(j, data, /weight "block2_bn1\/gamma" of layer block2_bn1.*missing/);
  });

  it("misshaped weight", async () => {
    const j = json();
    const w = j.weightsManifest[0].weights.find((x: any) => x.name === "dense_96/kernel");
    w.shape = [48, 192];
    await failsWith(j, bin, /"dense_96\/kernel" has shape \[48, 192\], layer dense_96 expects \[96, 96\]/);
  });

  it("truncated shard", async () => {
    await failsWith(json(), bin.subarray(0, bin.length - 100), /weight "predictions\/.*truncated shard/);
  });

  it("a shard longer than the manifest says", async () => {
    await failsWith(json(), Buffer.concat([bin, Buffer.alloc(8)]), /hold 217928 bytes, the manifest describes 217920/);
  });

  it("NaN in the weights", async () => {
    const data = Buffer.from(bin);
    data.writeFloatLE(NaN, 8);
    await failsWith(json(), data, /weight "block1_sepconv1\/depthwise_kernel": value 2 is NaN/);
  });

  it("unsupported layer settings", async () => {
    const j = json();
    j.modelTopology.config.layers[1].config.strides = [6, 6];
    await failsWith(j, bin, /block1_sepconv1: strides \[6,6\] is not supported \(each in 1..4\)/);
    const k = json();
    k.modelTopology.config.layers[1].config.activation = "crelu";
    await failsWith(k, bin, /block1_sepconv1: activation "crelu" is not supported/);
    const r = json();
    r.modelTopology.config.layers[1].class_name = "RandomCrop";
    await failsWith(r, bin, /layer 1 \(block1_sepconv1\): layer class "RandomCrop" is not supported: it crops/);
  });

  it("a graph that names a missing layer", async () => {
    const j = json();
    j.modelTopology.config.layers[3].inbound_nodes[0][0][0] = "nowhere";
    await failsWith(j, bin, /takes input from "nowhere"/);
  });

  it("files on disk: missing folder, missing shard, not JSON", async () => {
    await expect(loadLayersModel("/nonexistent/model")).rejects.toThrow(ArgumentError);
    const d = tempDir("loader");
    copyFileSync(join(DIR, "model.json"), join(d, "model.json"));
    await expect(loadLayersModel(d)).rejects.toThrow(/weight shard group1-shard1of1.bin is missing/);
    writeFileSync(join(d, "model.json"), "{ not json");
    await expect(loadLayersModel(d)).rejects.toThrow(/model.json: not valid JSON/);
  });
});
