#!/usr/bin/env node
// Markdown table comparing training runs from their logs: what each changed against the reference recipe, its
// best PublicTest epoch (single pass and flip-averaged) and its last epoch, and its wall time. A run still going
// is marked as such. For docs/training.md's table of recipes.
//   node scripts/runs-table.mjs runs/A runs/B models/fer2013/training-log.jsonl ...
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const REFERENCE = { epochs: 25, batch: 64, ghost: 32, seed: 1, lr: 0.004, schedule: "one-cycle", warmup: 0.15, smoothing: 0.1, optimizer: "adam", weightDecay: 0.0001 };

const args = process.argv.slice(2);
if (!args.length) {
  console.error("usage: node scripts/runs-table.mjs RUN_DIR|LOG.jsonl ...");
  process.exit(1);
}
const pct = (x) => `${(100 * x).toFixed(2)} %`;
console.log("| run | recipe (changes from the reference) | epochs | best PublicTest (epoch) | flip-averaged there | last epoch | time in epochs |");
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const a of args) {
  const log = a.endsWith(".jsonl") ? a : join(a, "log.jsonl");
  if (!existsSync(log)) {
    console.error(`runs-table: ${log}: no such log`);
    process.exit(1);
  }
  const ev = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const start = ev.find((e) => e.event === "start");
  const epochs = ev.filter((e) => e.event === "epoch");
  if (!start || !epochs.length) {
    console.log(`| ${a} | (no epoch yet) | | | | | |`);
    continue;
  }
  const c = start.config;
  const flat = { epochs: c.epochs, batch: c.batch, ghost: c.ghost, seed: c.seed, lr: c.lr, schedule: c.schedule, warmup: c.warmup, smoothing: c.smoothing, optimizer: c.optimizer.decoupled ? "adamw" : c.optimizer.kind, weightDecay: c.optimizer.weightDecay };
  const changes = Object.entries(flat).filter(([k, v]) => k !== "epochs" && REFERENCE[k] !== v).map(([k, v]) => `${k} ${v}`);
  const at = c.softTemperature ? `, distilled at temperature ${c.softTemperature}` : "";
  if (c.teachers) changes.push(`teacher models on each augmented batch (${(start.teachers ?? []).map((t) => t.source).join(", ") || "?"}) weight ${c.softWeight}${at}`);
  else if (c.softWeight !== undefined) changes.push(`soft ${start.soft?.format ?? "?"} (${start.soft?.file ?? "?"}) weight ${c.softWeight}${at}`);
  if (c.augment && c.augment.flip === 0 && c.augment.rotation === 0) changes.push("no augmentation");
  if (c.augment?.erase) changes.push(`random erasing ${c.augment.erase}`);
  if (c.filters) changes.push(`filters ${c.filters.join(",")}`);
  if (c.plateau) changes.push(`plateau patience ${c.plateau.patience} factor ${c.plateau.factor}`);
  if (c.sam) changes.push(`SAM rho ${c.sam.rho}`);
  if (c.bnMomentum !== undefined) changes.push(`batch-norm momentum ${c.bnMomentum}`);
  if (start.init) changes.push(`init from ${start.init.source}`);
  if (c.mix) changes.push([c.mix.mixup && `mixup ${c.mix.mixup}`, c.mix.cutmix && `cutmix ${c.mix.cutmix}`].filter(Boolean).join(" or ") + (c.mix.prob !== 1 ? ` on ${c.mix.prob} of batches` : ""));
  const best = epochs.reduce((m, e) => (e.testAcc > m.testAcc ? e : m), epochs[0]);
  const last = epochs[epochs.length - 1];
  const done = ev.some((e) => e.event === "done");
  const secs = epochs.reduce((s, e) => s + e.seconds, 0);
  const of = done ? `${last.epoch}` : `${last.epoch} of ${c.epochs}, running or paused`;
  console.log(`| ${a} | ${changes.join(", ") || "reference"} | ${of} | ${pct(best.testAcc)} (${best.epoch}) | ${pct(best.testAccTta)} | ${pct(last.testAcc)} | ${(secs / 60).toFixed(0)} min |`);
}
