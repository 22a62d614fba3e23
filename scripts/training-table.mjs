#!/usr/bin/env node
// Markdown of a training run for models/README.md: the per-epoch table from the run's log.jsonl, and, given
// `resezap eval --json` output, the per-class accuracy and confusion matrix.
//   node scripts/training-table.mjs runs/X/log.jsonl [eval.json]
import { readFileSync } from "node:fs";

const [logPath, evalPath] = process.argv.slice(2);
if (!logPath) {
  console.error("usage: node scripts/training-table.mjs LOG.jsonl [EVAL.json]");
  process.exit(1);
}
const events = readFileSync(logPath, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const pct = (x) => `${(100 * x).toFixed(2)} %`;
const epochs = events.filter((e) => e.event === "epoch");
const start = events.find((e) => e.event === "start");
const first = new Date(start.time).getTime();
console.log(`started ${start.time}; ${epochs.length} epochs; workers ${start.workers}; train ${start.train}, PublicTest ${start.test}`);
console.log("");
console.log("| epoch | train loss | train acc | PublicTest | PublicTest, flip-averaged | seconds | images/s |");
console.log("|---:|---:|---:|---:|---:|---:|---:|");
for (const e of epochs) {
  const b = e.best ? "**" : "";
  console.log(`| ${e.epoch} | ${e.trainLoss.toFixed(3)} | ${pct(e.trainAcc)} | ${b}${pct(e.testAcc)}${b} | ${pct(e.testAccTta)} | ${e.seconds.toFixed(0)} | ${e.imagesPerSecond.toFixed(0)} |`);
}
const secs = epochs.reduce((a, e) => a + e.seconds, 0);
const best = epochs.reduce((a, e) => (e.testAcc > a.testAcc ? e : a), epochs[0]);
console.log("");
console.log(`training steps ${(secs / 60).toFixed(1)} min in all (${(secs / epochs.length).toFixed(0)} s an epoch on average); best epoch ${best.epoch}: ${pct(best.testAcc)} (${pct(best.testAccTta)} flip-averaged)`);
if (evalPath) {
  const ev = JSON.parse(readFileSync(evalPath, "utf8"));
  const names = Object.keys(ev.per_class);
  console.log("");
  console.log(`${ev.split}: ${ev.n} faces, accuracy ${pct(ev.accuracy)}`);
  console.log("");
  console.log(`| true \\ predicted | ${names.join(" | ")} | accuracy |`);
  console.log(`|---|${names.map(() => "---:").join("|")}|---:|`);
  ev.confusion.forEach((row, i) => console.log(`| ${names[i]} | ${row.join(" | ")} | ${pct(ev.per_class[names[i]])} |`));
}
