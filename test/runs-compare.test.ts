import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir.js";

// scripts/runs-compare.mjs backs the run-against-run sentences of docs/training.md: check its sums on two small logs.
const script = join(__dirname, "..", "scripts", "runs-compare.mjs");
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });

function writeRun(dir: string, accs: Record<number, number>, extra: string[] = []): string {
  mkdirSync(dir, { recursive: true });
  const lines = [JSON.stringify({ event: "start" }), ...extra];
  for (const [e, a] of Object.entries(accs)) lines.push(JSON.stringify({ event: "epoch", epoch: +e, testAcc: a }));
  writeFileSync(join(dir, "log.jsonl"), lines.join("\n") + "\n");
  return dir;
}

describe("scripts/runs-compare.mjs", () => {
  const root = tempDir("runs-compare");
  // B has one more epoch than A (not compared); A logs epoch 2 twice, as a resumed run does, and the last line counts
  const a = writeRun(join(root, "a"), { 1: 0.5, 2: 0.6, 3: 0.62 }, [JSON.stringify({ event: "epoch", epoch: 2, testAcc: 0.1 })]);
  const b = writeRun(join(root, "b"), { 1: 0.49, 2: 0.63, 3: 0.66, 4: 0.7 });

  it("pairs the common epochs, counts leads per range and averages the last epochs", () => {
    const r = run(a, b, "--ranges", "1-1,2-3");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("| 2 | 60.00 % | 63.00 % | 3.00 |");
    expect(r.stdout).not.toContain("| 4 |");
    expect(r.stdout).toContain("epochs 1–1: B ahead on 0 of 1, by -1.00 points on average");
    expect(r.stdout).toContain("epochs 2–3: B ahead on 2 of 2, by 3.50 points on average (3.00 to 4.00)");
    expect(r.stdout).toContain("mean of the last 3 common epochs (1–3): A 57.33 %, B 59.33 %");
    expect(r.stdout).toContain(`best of ${b} over those epochs: 66.00 % at epoch 3`);
  });

  it("--stretch K pairs A's epoch e with B's epoch K·e, and --field picks the logged figure", () => {
    const long = writeRun(join(root, "long"), { 1: 0.4, 2: 0.55, 3: 0.45, 4: 0.64, 5: 0.5, 6: 0.7 });
    const r = run(a, long, "--stretch", "2", "--ranges", "1-3");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("| 1 | 50.00 % | 55.00 % | 5.00 |");
    expect(r.stdout).toContain("| 3 | 62.00 % | 70.00 % | 8.00 |");
    expect(r.stdout).toContain("epochs 1–3: B ahead on 3 of 3, by 5.67 points on average (4.00 to 8.00)");
    expect(r.stdout).toContain(`best of ${long} over those epochs: 70.00 % at epoch 6`);
    const train = (name: string, acc: number) => {
      const dir = writeRun(join(root, name), {});
      writeFileSync(join(dir, "log.jsonl"), JSON.stringify({ event: "epoch", epoch: 1, testAcc: 0.3, trainAcc: acc }) + "\n");
      return dir;
    };
    const byTrain = run(train("t1", 0.7), train("t2", 0.8), "--field", "trainAcc");
    expect(byTrain.stdout).toContain("| 1 | 70.00 % | 80.00 % | 10.00 |");
    // runs whose logs lack the field share no epoch for it
    expect(run(a, b, "--field", "trainAcc").stderr).toContain("share no epoch");
    expect(run(a, long, "--stretch", "1.5").stderr.trim()).toBe('runs-compare: --stretch: expected a whole number ≥ 1, found "1.5"');
  });

  it("refuses a bad range, a missing log and runs with no epoch in common, in one line", () => {
    const bad = run(a, b, "--ranges", "3-1");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim()).toBe('runs-compare: --ranges: expected FROM-TO epochs separated by commas, found "3-1"');
    const missing = run(a, join(root, "none"));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`${join(root, "none", "log.jsonl")}: no such log`);
    const c = writeRun(join(root, "c"), { 9: 0.5 });
    const disjoint = run(a, c);
    expect(disjoint.status).not.toBe(0);
    expect(disjoint.stderr).toContain("share no epoch");
  });
});
