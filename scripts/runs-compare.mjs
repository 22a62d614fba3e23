#!/usr/bin/env node
// Two training runs epoch by epoch, from their logs: PublicTest of each and B − A per epoch, then for each range of
// epochs how often B led and by how much on average, the mean of the last ten epochs and each run's best. For the
// comparisons of docs/training.md (the same seed, order and augmentation make such a pairing fair). --stretch K pairs
// A's epoch e with B's epoch K·e, the same point of a schedule K times as long; epochs and ranges are then A's.
//   node scripts/runs-compare.mjs runs/A runs/B [--ranges 56-85,86-100] [--stretch K] [--field testAcc] [--quiet]
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ranges: { type: "string" }, stretch: { type: "string", default: "1" }, field: { type: "string", default: "testAcc" }, quiet: { type: "boolean", default: false } } });
if (positionals.length !== 2) {
  console.error("usage: node scripts/runs-compare.mjs RUN_A RUN_B [--ranges FROM-TO,...] [--stretch K] [--field NAME] [--quiet]");
  process.exit(1);
}
const stretch = Number(values.stretch), field = values.field;
if (!/^[1-9]\d*$/.test(values.stretch)) {
  console.error(`runs-compare: --stretch: expected a whole number ≥ 1, found "${values.stretch}"`);
  process.exit(1);
}
if (!["testAcc", "testAccTta", "trainAcc"].includes(field)) {
  console.error(`runs-compare: --field: expected testAcc, testAccTta or trainAcc, found "${field}"`);
  process.exit(1);
}

function epochs(a) {
  const log = a.endsWith(".jsonl") ? a : join(a, "log.jsonl");
  if (!existsSync(log)) {
    console.error(`runs-compare: ${log}: no such log`);
    process.exit(1);
  }
  const byEpoch = new Map();
  // a resumed run may log an epoch again; the last line for an epoch is what the checkpoint kept
  for (const e of readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l))) if (e.event === "epoch" && e[field] !== undefined) byEpoch.set(e.epoch, e[field]);
  return byEpoch;
}

const [nameA, nameB] = positionals, A = epochs(nameA), B = new Map();
for (const [e, v] of epochs(nameB)) if (e % stretch === 0) B.set(e / stretch, v);
const common = [...A.keys()].filter((e) => B.has(e)).sort((x, y) => x - y);
if (!common.length) {
  console.error(`runs-compare: ${nameA} and ${nameB} share no epoch that logs ${field}${stretch > 1 ? ` (B's epochs taken at multiples of ${stretch})` : ""}`);
  process.exit(1);
}
const pct = (x) => (100 * x).toFixed(2);
if (!values.quiet) {
  console.log(`${field}${stretch > 1 ? `; A's epoch e against B's epoch ${stretch}·e` : ""}`);
  console.log(`| epoch | ${nameA} | ${nameB} | B − A |`);
  console.log("|---:|---:|---:|---:|");
  for (const e of common) console.log(`| ${e} | ${pct(A.get(e))} % | ${pct(B.get(e))} % | ${pct(B.get(e) - A.get(e))} |`);
  console.log();
}

const ranges = [];
for (const r of (values.ranges ?? "").split(",").filter(Boolean)) {
  const m = /^(\d+)-(\d+)$/.exec(r);
  if (!m || +m[1] > +m[2]) {
    console.error(`runs-compare: --ranges: expected FROM-TO epochs separated by commas, found "${r}"`);
    process.exit(1);
  }
  ranges.push([+m[1], +m[2]]);
}
for (const [from, to] of ranges) {
  const es = common.filter((e) => e >= from && e <= to);
  if (!es.length) continue;
  const d = es.map((e) => B.get(e) - A.get(e));
  console.log(`epochs ${from}–${to}: B ahead on ${d.filter((x) => x > 0).length} of ${es.length}, by ${pct(d.reduce((s, x) => s + x, 0) / es.length)} points on average (${pct(Math.min(...d))} to ${pct(Math.max(...d))})`);
}
const last = common.slice(-10), mean = (m) => last.reduce((s, e) => s + m.get(e), 0) / last.length;
console.log(`mean of the last ${last.length} common epochs (${last[0]}–${last.at(-1)}): A ${pct(mean(A))} %, B ${pct(mean(B))} %`);
for (const [name, m, k] of [[nameA, A, 1], [nameB, B, stretch]]) {
  const best = common.reduce((p, e) => (m.get(e) > m.get(p) ? e : p));
  console.log(`best of ${name} over those epochs: ${pct(m.get(best))} % at epoch ${best * k}`);
}
