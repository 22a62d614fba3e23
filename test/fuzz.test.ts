// A few hundred mutated inputs per parser (scripts/fuzz.mjs runs 10,000+): each must give a valid result or
// a ResezapError naming the file or field — never a WASM trap, another exception, or a case over the time bound.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as index from "../src/index.js";
import * as fer from "../src/train/fer2013.js";
import { loadBases } from "../scripts/lib/fuzz/fixtures.mjs";
import { runCase } from "../scripts/lib/fuzz/run-case.mjs";
import { makeTargets, PARSERS } from "../scripts/lib/fuzz/targets.mjs";
import { tempDir } from "./temp-dir.js";

const ROOT = new URL("..", import.meta.url).pathname;
const SEED = Number(process.env.FUZZ_SEED ?? 20240607);
const CASES: Record<string, number> = { model: 250, cascade: 300, png: 300, jpeg: 250, fer: 150, onnx: 600 };
// per case, generous for two shared cores; the largest accepted inputs here decode in well under a second
const CASE_MS = 3000;

const lib = { ...index, ...fer };
const tmp = tempDir("fuzz-test");
const targets = makeTargets(lib, { tmp });
const bases = loadBases(ROOT, lib);

describe(`fuzz (seed ${SEED}; FUZZ_SEED=n to change)`, () => {
  for (const parser of PARSERS as (keyof typeof targets & keyof typeof bases)[]) {
    it(`${parser}: ${CASES[parser]} mutated inputs end in a valid result or a typed error`, async () => {
      const counts = { valid: 0, typed: 0, failure: 0 };
      const failures: string[] = [];
      for (let i = 0; i < CASES[parser]; i++) {
        const r = await runCase(lib, targets[parser], bases[parser], parser, SEED, i, { caseMs: CASE_MS });
        counts[r.outcome as keyof typeof counts]++;
        if (r.outcome === "failure") failures.push(`case ${i} (${r.base}): ${r.reason}`);
      }
      expect(failures, `reproduce: node scripts/fuzz.mjs --seed ${SEED} --parser ${parser} --cases ${CASES[parser]}`).toEqual([]);
      // both outcomes must be reached, or the mutator is not exercising the parser
      expect(counts.valid).toBeGreaterThan(0);
      expect(counts.typed).toBeGreaterThan(0);
    });
  }
});
