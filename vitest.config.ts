import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // vitest's default in run mode is one fork fewer than the cores: a single fork on a two-core machine, so
    // one core idles through the whole suite; every core runs a test file instead
    maxWorkers: availableParallelism(),
    minWorkers: 1,
  },
});
