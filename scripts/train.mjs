#!/usr/bin/env node
// Temporary entry point until src/cli/main.ts registers them: node scripts/train.mjs train|eval [options]
import { trainCommand } from "../dist/cli/train.js";
import { evalCommand } from "../dist/cli/eval.js";
import { ResezapError } from "../dist/errors.js";

const [cmd, ...args] = process.argv.slice(2);
const run = { train: trainCommand, eval: evalCommand }[cmd];
if (!run) {
  console.error("usage: node scripts/train.mjs train|eval [options]");
  process.exit(1);
}
try {
  await run(args);
} catch (e) {
  if (e instanceof ResezapError) console.error(`resezap: ${e.message}`);
  else console.error(e);
  process.exit(1);
}
