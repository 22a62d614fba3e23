// resezap train / eval (src/cli/train.ts, src/cli/eval.ts) on the fixture's rows: files written each
// epoch, --until stops, --resume continues from the checkpoint, eval --json's shape.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { evalCommand } from "../src/cli/eval.js";
import { trainCommand } from "../src/cli/train.js";
import { loadLayersModel } from "../src/io/load.js";
import type { SeparableConv2D } from "../src/layers/conv.js";
import type { BatchNormalization } from "../src/layers/core.js";
import { tempDir } from "./temp-dir.js";

const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;

describe("train and eval commands", () => {
  it("trains an epoch of two, resumes for the second, and evaluates the kept model", async () => {
    const out = tempDir("train");
    const base = ["--data", SAMPLE, "--out", out, "--batch", "32", "--workers", "0", "--limit", "64", "--quiet"];
    await trainCommand([...base, "--epochs", "2", "--until", "1"]);
    for (const f of ["model.json", "group1-shard1of1.bin", "log.jsonl", "curves.png", "checkpoint/state.json", "checkpoint/optimizer.bin", "epochs/epoch-01/model.json"]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, "curves.png")).subarray(1, 4).toString()).toBe("PNG");
    await trainCommand([...base, "--resume"]);
    const state = JSON.parse(readFileSync(join(out, "checkpoint/state.json"), "utf8"));
    expect(state.epoch).toBe(2);
    expect(state.globalStep).toBe(4);
    expect(state.optimizerStep).toBe(4);
    const log = readFileSync(join(out, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log.map((l) => l.event)).toEqual(["start", "epoch", "paused", "resume", "epoch", "done"]);

    const spy = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await evalCommand(["--data", SAMPLE, "--model", out, "--json", "--confusion", join(out, "confusion.png")]);
      const r = JSON.parse(spy.mock.calls[0][0] as string);
      expect(r.split).toBe("PublicTest");
      expect(r.n).toBe(100);
      expect(Object.keys(r.per_class)).toEqual(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]);
      expect(r.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(100);
      expect(existsSync(join(out, "confusion.png"))).toBe(true);
    } finally {
      spy.mockRestore();
    }
    await expect(trainCommand(["--data", SAMPLE])).rejects.toThrow(/--out DIR are required/);
    await expect(trainCommand([...base, "--optimizer", "rmsprop"])).rejects.toThrow(/--optimizer must be adam, adamw or sgd, found "rmsprop"/);
  });

  it("--optimizer adamw: decoupled weight decay, 0.01 unless given, in the run's config", async () => {
    const config = async (extra: string[]) => {
      const out = tempDir("adamw");
      await trainCommand(["--data", SAMPLE, "--out", out, "--batch", "32", "--workers", "0", "--limit", "32", "--epochs", "1", "--quiet", ...extra]);
      return JSON.parse(readFileSync(join(out, "log.jsonl"), "utf8").split("\n")[0]).config.optimizer;
    };
    expect(await config(["--optimizer", "adamw"])).toEqual({ kind: "adam", weightDecay: 0.01, eps: 1e-8, decoupled: true });
    expect(await config(["--optimizer", "adamw", "--weight-decay", "0.05"])).toEqual({ kind: "adam", weightDecay: 0.05, eps: 1e-8, decoupled: true });
    expect(await config([])).toEqual({ kind: "adam", weightDecay: 1e-4, eps: 1e-8 });
  });

  it("--filters A,B,C trains a wider ResEZAP (a teacher), resumes only with its widths, and refuses bad widths", async () => {
    const out = tempDir("filters");
    const base = ["--data", SAMPLE, "--out", out, "--batch", "32", "--workers", "0", "--limit", "64", "--epochs", "2", "--quiet"];
    await trainCommand([...base, "--until", "1", "--filters", "8,12,20"]);
    const widths = async () => (await loadLayersModel(join(out, "checkpoint"))).layers.filter((l) => l.className === "SeparableConv2D").map((l) => (l as SeparableConv2D).filters);
    expect(await widths()).toEqual([8, 8, 8, 12, 12, 12, 20, 20, 20]);
    expect(JSON.parse(readFileSync(join(out, "log.jsonl"), "utf8").split("\n")[0]).config.filters).toEqual([8, 12, 20]);
    await expect(trainCommand([...base, "--resume", "--filters", "8,12,24"])).rejects.toThrow(/--filters 8,12,24 differs from the run in .* \(filters "8,12,20"\)/);
    await trainCommand([...base, "--resume"]);
    expect(JSON.parse(readFileSync(join(out, "checkpoint/state.json"), "utf8")).epoch).toBe(2);
    expect(await widths()).toEqual([8, 8, 8, 12, 12, 12, 20, 20, 20]);

    for (const bad of ["8,12", "8,0,20", "8,12,513", "8,x,20", "8,12,20,4"]) {
      await expect(trainCommand([...base, "--out", tempDir("filters-bad"), "--filters", bad]), bad).rejects.toThrow(/--filters must be three integers in 1\.\.512/);
    }
    // ResEZAP's own widths leave the config as a run without the option has it
    const plain = tempDir("filters-plain");
    await trainCommand([...base, "--out", plain, "--epochs", "1", "--filters", "32,64,96"]);
    expect(JSON.parse(readFileSync(join(plain, "log.jsonl"), "utf8").split("\n")[0]).config).not.toHaveProperty("filters");
  });

  it("--bn-momentum M: every batch norm's momentum, the moving statistics' update, kept by --resume", async () => {
    // one step on one ghost batch from the same seed: the moving mean starts at 0 and the variance at 1, so
    // after it mean = (1 − M)·μ and variance = M + (1 − M)·s with the same μ and s at any M
    const base = ["--data", SAMPLE, "--batch", "32", "--workers", "0", "--limit", "32", "--epochs", "2", "--quiet"];
    const half = tempDir("bnm-half"), keras = tempDir("bnm-keras");
    await trainCommand([...base, "--out", half, "--until", "1", "--bn-momentum", "0.5"]);
    await trainCommand([...base, "--out", keras, "--until", "1"]);
    const config = (out: string) => JSON.parse(readFileSync(join(out, "log.jsonl"), "utf8").split("\n")[0]).config;
    expect(config(half).bnMomentum).toBe(0.5);
    expect(config(keras)).not.toHaveProperty("bnMomentum");
    const [a, b] = [await loadLayersModel(join(half, "checkpoint")), await loadLayersModel(join(keras, "checkpoint"))];
    const bns = a.layers.filter((l) => l.className === "BatchNormalization") as BatchNormalization[];
    expect(bns.length).toBe(10);
    expect(bns.map((l) => l.momentum)).toEqual(Array(10).fill(0.5));
    expect((b.layers.filter((l) => l.className === "BatchNormalization") as BatchNormalization[]).map((l) => l.momentum)).toEqual(Array(10).fill(0.99));
    for (const name of ["block1_bn1", "block3_bn3", "dense_bn"]) {
      const [ma, mb] = [a.getLayer(name).weight("moving_mean"), b.getLayer(name).weight("moving_mean")];
      const [va, vb] = [a.getLayer(name).weight("moving_variance"), b.getLayer(name).weight("moving_variance")];
      expect(ma.some((v) => Math.abs(v) > 1e-3), name).toBe(true);
      for (let c = 0; c < ma.length; c++) {
        expect(ma[c] / 0.5, `${name} mean ${c}`).toBeCloseTo(mb[c] / (1 - 0.99), 3);
        expect((va[c] - 0.5) / 0.5, `${name} variance ${c}`).toBeCloseTo((vb[c] - 0.99) / (1 - 0.99), 2);
      }
    }
    await expect(trainCommand([...base, "--out", half, "--resume", "--until", "2", "--bn-momentum", "0.9"])).rejects.toThrow(/--bn-momentum 0\.9 differs from the run in .* \(bn-momentum 0\.5\)/);
    await expect(trainCommand([...base, "--out", keras, "--resume", "--until", "2", "--bn-momentum", "0.5"])).rejects.toThrow(/\(bn-momentum 0\.99\)/);
    await trainCommand([...base, "--out", half, "--resume", "--until", "2", "--bn-momentum", "0.5"]);
    expect(((await loadLayersModel(join(half, "checkpoint"))).getLayer("block2_bn2") as BatchNormalization).momentum).toBe(0.5);
    for (const bad of ["0", "1", "-0.1", "x"]) {
      await expect(trainCommand([...base, "--out", tempDir("bnm-bad"), "--until", "1", "--bn-momentum", bad]), bad).rejects.toThrow(/--bn-momentum.*a number in \(0, 1\)/);
    }
  });

  it("--schedule plateau: the rate halves after --plateau-patience epochs without a new best, and a resumed run keeps its place", async () => {
    const base = ["--data", SAMPLE, "--batch", "32", "--workers", "0", "--limit", "64", "--epochs", "8", "--quiet", "--schedule", "plateau", "--plateau-patience", "2"];
    const whole = tempDir("plateau-whole"), pieces = tempDir("plateau-pieces");
    await trainCommand([...base, "--out", whole]);
    const epochs = (out: string) => readFileSync(join(out, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.event === "epoch");
    const log = epochs(whole);
    expect(log.length).toBe(8);
    // the rule recomputed from the logged accuracies: each epoch runs at 0.004·0.5^cuts, and two epochs in a row
    // without a strictly higher PublicTest accuracy than every earlier one make a cut
    let best = -1, bad = 0, cuts = 0, stalls = 0;
    for (const e of log) {
      expect(e.lr, `epoch ${e.epoch}`).toBe(0.004 * 0.5 ** cuts);
      if (e.testAcc > best) [best, bad] = [e.testAcc, 0];
      else if (++bad >= 2) [cuts, bad] = [cuts + 1, 0];
      else stalls++;
      expect(e.plateau, `epoch ${e.epoch}`).toEqual({ reductions: cuts, bad });
    }
    // the run exercised both sides of the rule: a cut, and a stall that did not cut yet
    expect(cuts).toBeGreaterThan(0);
    expect(stalls).toBeGreaterThan(0);
    // in pieces, paused where a stall is pending (or anywhere): the same rates, accuracies and weights
    const pauseAt = Math.max(1, log.findIndex((e: { plateau: { bad: number } }) => e.plateau.bad > 0) + 1);
    await trainCommand([...base, "--out", pieces, "--until", String(pauseAt)]);
    await trainCommand([...base.slice(0, -4), "--out", pieces, "--resume"]);
    const strip = (es: Record<string, unknown>[]) => es.map(({ seconds: _s, imagesPerSecond: _i, ...e }) => e);
    expect(strip(epochs(pieces))).toEqual(strip(log));
    expect(readFileSync(join(pieces, "checkpoint/group1-shard1of1.bin")).equals(readFileSync(join(whole, "checkpoint/group1-shard1of1.bin")))).toBe(true);
    // the knobs belong to the recipe and to the plateau schedule alone
    await expect(trainCommand([...base, "--out", pieces, "--resume", "--plateau-patience", "3"])).rejects.toThrow(/--plateau-patience 3 differs from the run in .* \(plateau-patience 2\)/);
    await expect(trainCommand([...base.slice(0, -4), "--out", tempDir("plateau-x"), "--plateau-factor", "0.1"])).rejects.toThrow(/^train: --plateau-factor needs --schedule plateau/);
    const other = tempDir("plateau-other");
    await trainCommand([...base.slice(0, -4), "--out", other, "--until", "1"]);
    await expect(trainCommand([...base.slice(0, -4), "--out", other, "--resume", "--plateau-patience", "2"])).rejects.toThrow(/--plateau-patience 2 differs from the run in .* \(plateau-patience "none"\)/);
    // a plateau checkpoint without its place is damaged, not a fresh schedule
    const state = join(pieces, "checkpoint/state.json");
    const { plateau: _p, ...rest } = JSON.parse(readFileSync(state, "utf8"));
    writeFileSync(state, JSON.stringify(rest));
    await expect(trainCommand([...base, "--out", pieces, "--resume"])).rejects.toThrow(/state\.json: not a training state \(plateau undefined for the plateau schedule/);
  }, 120_000);

  it("--init DIR starts a fresh run from a saved model's weights, records them, and refuses another architecture or --resume", async () => {
    const base = ["--data", SAMPLE, "--batch", "32", "--workers", "0", "--limit", "64", "--epochs", "1", "--quiet"];
    const first = tempDir("init-from");
    await trainCommand([...base, "--out", first, "--seed", "3"]);
    const from = join(first, "checkpoint"), start = (await loadLayersModel(from)).namedWeights();
    // learning rate 0: whatever the run's own seed would draw, its trainable weights stay the ones it started from
    const out = tempDir("init");
    await trainCommand([...base, "--out", out, "--init", from, "--lr", "0", "--optimizer", "adamw"]);
    const after = (await loadLayersModel(join(out, "checkpoint"))).namedWeights();
    expect(after.map((w) => w.name)).toEqual(start.map((w) => w.name));
    const trainable = after.filter((w) => w.trainable);
    expect(trainable.length).toBeGreaterThan(20);
    for (const w of trainable) expect(Array.from(w.values), w.name).toEqual(Array.from(start.find((s) => s.name === w.name)!.values));
    // …and differ from the seed's draw, which the same run without --init keeps
    const seeded = tempDir("init-none");
    await trainCommand([...base, "--out", seeded, "--lr", "0", "--optimizer", "adamw"]);
    const own = (await loadLayersModel(join(seeded, "checkpoint"))).namedWeights().find((w) => w.name === trainable[0].name)!;
    expect(Array.from(own.values)).not.toEqual(Array.from(trainable[0].values));

    const state = JSON.parse(readFileSync(join(out, "checkpoint/state.json"), "utf8"));
    expect(state.init.source).toBe(from);
    expect(state.init.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(join(out, "log.jsonl"), "utf8").split("\n")[0]).init).toEqual(state.init);
    expect(JSON.parse(readFileSync(join(seeded, "checkpoint/state.json"), "utf8"))).not.toHaveProperty("init");

    await expect(trainCommand([...base, "--out", tempDir("init-wide"), "--init", from, "--filters", "8,12,20"])).rejects.toThrow(
      /^train: --init .*checkpoint: weight 2 is block1_sepconv1\/pointwise_kernel \[1, 1, 1, 32\], the recipe's model has block1_sepconv1\/pointwise_kernel \[1, 1, 1, 8\]/,
    );
    await expect(trainCommand([...base, "--out", out, "--init", from, "--resume"])).rejects.toThrow(/^train: --init .* with --resume: --init starts a run/);
    await expect(trainCommand([...base, "--out", tempDir("init-missing"), "--init", join(first, "nothing")])).rejects.toThrow(/nothing/);
  });
});
