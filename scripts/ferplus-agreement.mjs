#!/usr/bin/env node
// How often FER+'s majority vote is FER2013's label, per split: what FER+ soft targets pull toward.
//   node scripts/ferplus-agreement.mjs [--data fer2013.csv.gz] [--ferplus fer2013new.csv]     (npm run build first)
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadFer2013Splits } from "../dist/train/fer2013.js";
import { FERPLUS_TO_FER } from "../dist/train/soft-targets.js";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/data/fer2013/fer2013.csv.gz" },
    ferplus: { type: "string", default: "../shared/data/ferplus/fer2013new.csv" },
  },
});
const rows = readFileSync(values.ferplus, "utf8").trim().split(/\r?\n/).slice(1).map((l) => l.split(","));
const splits = await loadFer2013Splits(values.data, ["Training", "PublicTest"]);
for (const usage of ["Training", "PublicTest"]) {
  const d = splits[usage], mine = rows.filter((f) => f[0] === usage);
  if (mine.length !== d.n) throw new Error(`${values.ferplus}: ${mine.length} ${usage} rows, ${values.data} has ${d.n}`);
  let agree = 0, none = 0;
  mine.forEach((f, i) => {
    const votes = f.slice(2, 9).map(Number);
    if (votes.every((v) => v === 0)) return void none++;
    let best = 0;
    for (let c = 1; c < 7; c++) if (votes[c] > votes[best]) best = c;
    if (FERPLUS_TO_FER[best] === d.labels[i]) agree++;
  });
  console.log(`${usage}: ${d.n} faces; FER+'s majority (first on ties) is the FER2013 label on ${(100 * agree / d.n).toFixed(1)} %; ${none} have no vote in the 7 classes`);
}
