// A training run in pieces (resezap train --until, then --resume) ends bit for bit where one uninterrupted run
// ends; a resume with another recipe, another data file, or a damaged checkpoint is refused with one line.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { trainCommand } from "../src/cli/train.js";
import { ArgumentError, ModelFormatError } from "../src/errors.js";
import { tempDir } from "./temp-dir.js";

const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;
const root = tempDir("resume");

const args = (out: string, { data = SAMPLE, epochs = "3", limit = ["--limit", "48"] } = {}) =>
  ["--data", data, "--out", out, "--epochs", epochs, "--batch", "16", "--workers", "0", ...limit, "--seed", "7", "--quiet"];
const weights = (dir: string) => readFileSync(join(dir, "checkpoint/group1-shard1of1.bin"));
const history = (dir: string) => JSON.parse(readFileSync(join(dir, "checkpoint/state.json"), "utf8")).history.map(({ seconds: _s, imagesPerSecond: _i, ...h }: Record<string, number>) => h);

describe("train in pieces", () => {
  const whole = join(root, "whole"), pieces = join(root, "pieces");

  it("--until 1, then --until 2 --resume, then --resume: the weights, optimiser and history of one uninterrupted run", async () => {
    await trainCommand(args(whole));
    await trainCommand([...args(pieces), "--until", "1"]);
    expect(JSON.parse(readFileSync(join(pieces, "checkpoint/state.json"), "utf8")).epoch).toBe(1);
    await trainCommand([...args(pieces), "--until", "2", "--resume"]);
    await trainCommand([...args(pieces), "--resume"]);
    expect(weights(pieces).equals(weights(whole))).toBe(true);
    expect(readFileSync(join(pieces, "checkpoint/optimizer.bin")).equals(readFileSync(join(whole, "checkpoint/optimizer.bin")))).toBe(true);
    expect(history(pieces)).toEqual(history(whole));
    const events = readFileSync(join(pieces, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).event);
    expect(events).toEqual(["start", "epoch", "paused", "resume", "epoch", "paused", "resume", "epoch", "done"]);
    // and a different seed does change the weights (the comparison above can fail)
    const other = join(root, "other-seed");
    await trainCommand([...args(other).slice(0, -3), "--seed", "8", "--quiet"]);
    expect(weights(other).equals(weights(whole))).toBe(false);
  }, 120_000);

  it("refuses another recipe, another data file, an --until out of range, and damaged checkpoints, naming what differs", async () => {
    const run = join(root, "refusals");
    await trainCommand([...args(run), "--until", "1"]);
    await expect(trainCommand([...args(run), "--resume", "--lr", "0.01"])).rejects.toThrow(/--lr 0\.01 differs from the run in .*refusals \(lr 0\.004\): a resumed run keeps its recipe/);
    await expect(trainCommand([...args(run), "--resume", "--optimizer", "sgd"])).rejects.toThrow(/--optimizer sgd differs from the run .*\(optimizer "adam"\)/);
    await expect(trainCommand([...args(run), "--resume", "--optimizer", "adamw"])).rejects.toThrow(/--optimizer adamw differs from the run .*\(optimizer "adam"\)/);
    await expect(trainCommand([...args(run, { epochs: "4" }), "--resume"])).rejects.toThrow(/--epochs 4 differs from the run .*\(epochs 3\)/);
    await expect(trainCommand([...args(run), "--resume", "--no-augment"])).rejects.toThrow(/--no-augment differs from the run/);
    await expect(trainCommand([...args(run), "--resume", "--erase", "0.5"])).rejects.toThrow(/--erase 0\.5 differs from the run .*\(erase 0\)/);
    await expect(trainCommand([...args(run), "--resume", "--warmup", "0.3"])).rejects.toThrow(/--warmup 0\.3 differs from the run .*\(warmup 0\.15\)/);
    // a run's erasing is checked at its edges when it starts: 1 is the last valid probability
    await expect(trainCommand([...args(join(root, "e1")), "--erase", "1.01"])).rejects.toThrow(/--erase must be a probability in \[0, 1\], found "1\.01"/);
    await expect(trainCommand([...args(join(root, "e2")), "--erase", "0.5", "--no-augment"])).rejects.toThrow(/--erase 0\.5 with --no-augment/);
    await expect(trainCommand([...args(run, { limit: [] }), "--resume"])).rejects.toThrow(/--limit \(none\) differs from the run .*\(limit 48\)/);
    await expect(trainCommand([...args(run), "--resume", "--until", "1"])).rejects.toThrow(/--until must be an epoch after 1 and at most --epochs 3, found 1/);
    await expect(trainCommand([...args(join(root, "x")), "--until", "4"])).rejects.toThrow(/--until must be an epoch after 0 and at most --epochs 3, found 4/);
    // the same rows with one pixel changed: the same number of steps, another file
    const csv = gunzipSync(readFileSync(SAMPLE)).toString("utf8").split("\n");
    csv[1] = csv[1].replace(/,(\d+) /, (_m, v) => `,${(Number(v) + 1) % 256} `);
    const changed = join(root, "changed.csv.gz");
    writeFileSync(changed, gzipSync(csv.join("\n")));
    await expect(trainCommand([...args(run, { data: changed }), "--resume"])).rejects.toThrow(/--data .*changed\.csv\.gz is not the file the run in .* was trained on \(\d+ bytes, SHA-256 [0-9a-f]{12}…; the run's: \d+ bytes, [0-9a-f]{12}…\)/);

    // damaged checkpoints: typed errors naming the file, never a silent restart
    const damaged = (name: string, f: string, bytes: string | Uint8Array) => {
      const d = join(root, name);
      cpSync(run, d, { recursive: true });
      writeFileSync(join(d, "checkpoint", f), bytes);
      return d;
    };
    await expect(trainCommand([...args(damaged("bad-json", "state.json", "{\"epoch\": 1,")), "--resume"])).rejects.toThrow(ModelFormatError);
    await expect(trainCommand([...args(damaged("bad-json2", "state.json", "{\"epoch\": 1,")), "--resume"])).rejects.toThrow(/state\.json: not valid JSON/);
    await expect(trainCommand([...args(damaged("bad-state", "state.json", JSON.stringify({ epoch: -1 }))), "--resume"])).rejects.toThrow(/state\.json: not a training state \(epoch -1\)/);
    await expect(trainCommand([...args(damaged("bad-opt", "optimizer.bin", new Uint8Array(12))), "--resume"])).rejects.toThrow(/optimizer\.bin: 12 bytes, expected two f32 arrays/);
    await expect(trainCommand([...args(damaged("short-opt", "optimizer.bin", new Uint8Array(16))), "--resume"])).rejects.toThrow(/optimizer: 2 values, expected \d+/);
    await expect(trainCommand([...args(join(root, "nothing-here")), "--resume"])).rejects.toThrow(ArgumentError);
    await expect(trainCommand([...args(join(root, "nothing-here2")), "--resume"])).rejects.toThrow(/no checkpoint to resume from/);
  }, 120_000);
});
