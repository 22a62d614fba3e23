// Every numeric option's range at its edges: the last valid and the first invalid value, in the library
// (the Haar cascade's and YuNet's options, recognize's margin) and in the CLI (the detectors' options, parsed as
// `faces` and `detect` parse them, train's, quantize's, soft-targets', video's and enqueue's, and `detect --margin`
// through the built CLI).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectorOptions, parseArgs } from "../src/cli/args.js";
import { parserSpec } from "../src/cli/options.js";
import { resolveOptions } from "../src/detect/options.js";
import { resolveYuNetOptions } from "../src/detect/yunet.js";
import { ArgumentError, loadLayersModel, recognize } from "../src/index.js";

const ROOT = new URL("..", import.meta.url).pathname;

/** [value, accepted] pairs: each edge's last valid and first invalid value. */
type Edges = [number, boolean][];

function expectEdges(what: string, edges: Edges, run: (v: number) => unknown): void {
  for (const [v, ok] of edges) {
    if (ok) expect(() => run(v), `${what} ${v}`).not.toThrow();
    else expect(() => run(v), `${what} ${v}`).toThrow(ArgumentError);
  }
}

const UNIT: Edges = [[0, true], [-0.0001, false], [1, true], [1.0001, false]];

describe("library options at their edges", () => {
  it("Haar: scaleFactor > 1, minNeighbors an integer ≥ 0, minSize and maxSize 0..2^20", () => {
    expectEdges("scaleFactor", [[1, false], [1 + 2 ** -52, true], [Infinity, false]], (v) => resolveOptions({ scaleFactor: v }));
    expectEdges("minNeighbors", [[0, true], [-1, false], [0.5, false]], (v) => resolveOptions({ minNeighbors: v }));
    for (const key of ["minSize", "maxSize"] as const) {
      expectEdges(key, [[0, true], [-1, false], [2 ** 20, true], [2 ** 20 + 1, false]], (v) => resolveOptions({ [key]: v }));
      expectEdges(`${key} height`, [[2 ** 20, true], [2 ** 20 + 1, false]], (v) => resolveOptions({ [key]: [1, v] }));
    }
  });

  it("YuNet: thresholds in [0, 1], topK ≥ 1, longestSide 32..16384", () => {
    expectEdges("scoreThreshold", UNIT, (v) => resolveYuNetOptions({ scoreThreshold: v }));
    expectEdges("nmsThreshold", UNIT, (v) => resolveYuNetOptions({ nmsThreshold: v }));
    expectEdges("topK", [[1, true], [0, false], [1.5, false]], (v) => resolveYuNetOptions({ topK: v }));
    expectEdges("longestSide", [[32, true], [31, false], [16384, true], [16385, false]], (v) => resolveYuNetOptions({ longestSide: v }));
  });

  it("recognize: margin in [0, 1]", async () => {
    const model = await loadLayersModel(join(ROOT, "models/reference"));
    const blank = { data: new Uint8Array(64 * 64), width: 64, height: 64, channels: 1 as const };
    expectEdges("margin", UNIT, (margin) => recognize(blank, { model, detector: "haar", margin }));
  });
});

describe("pool sizes at their edges", () => {
  it("workers: 1 and the maximum taken, 0 and one past it refused; createPool allows 256, createDetectorPool 64", async () => {
    const { workerCount } = await import("../src/util/workers.js");
    expectEdges("workers", [[1, true], [0, false], [256, true], [257, false], [1.5, false]], (v) => workerCount(v, 1, 256, "pool"));
    expect(workerCount(undefined, 3, 64, "pool")).toBe(3);
    // the pools refuse one past their maximum before starting any worker
    const { createPool, createDetectorPool } = await import("../src/index.js");
    const model = await loadLayersModel(join(ROOT, "models/reference"));
    await expect(createPool(model, { workers: 257 })).rejects.toThrow(/^createPool: workers must be an integer in 1\.\.256, found 257$/);
    await expect(createDetectorPool({ workers: 65 })).rejects.toThrow(/^createDetectorPool: workers must be an integer in 1\.\.64, found 65$/);
    await expect(createDetectorPool({ detector: "yunet", workers: 65 })).rejects.toThrow(/^createDetectorPool: workers must be an integer in 1\.\.64, found 65$/);
  });
});

describe("CLI options at their edges", () => {
  const parse = (command: "faces" | "detect", args: string[]) => detectorOptions(parseArgs(args, parserSpec(command), command), command);

  for (const command of ["faces", "detect"] as const) {
    it(`${command}: the same checks for the same detector options`, () => {
      const yunet = (key: string, edges: Edges) => expectEdges(`${command} --${key}`, edges, (v) => parse(command, [`--${key}`, String(v)]));
      const haar = (key: string, edges: Edges) => expectEdges(`${command} --${key}`, edges, (v) => parse(command, ["--detector", "haar", `--${key}`, String(v)]));
      yunet("score-threshold", UNIT);
      yunet("nms-threshold", UNIT);
      yunet("top-k", [[1, true], [0, false], [1.5, false]]);
      yunet("longest-side", [[32, true], [31, false], [16384, true], [16385, false]]);
      haar("scale-factor", [[1, false], [1.0001, true], [4, true], [4.0001, false]]);
      haar("min-neighbors", [[0, true], [-1, false], [0.5, false]]);
      haar("min-size", [[0, true], [-1, false]]);
      haar("max-size", [[0, true], [-1, false]]);
    });
  }

  it("train: each numeric option at its edges (a value taken gets as far as reading --data, which is missing)", async () => {
    const { trainCommand } = await import("../src/cli/train.js");
    const base = ["--data", join(ROOT, "no-such-fer2013.csv"), "--out", join(ROOT, "no-such-run"), "--quiet"];
    const check = async (args: string[], ok: boolean) => {
      const e = await trainCommand([...base, ...args]).then(() => null, (x: Error) => x);
      if (ok) expect(e?.message, args.join(" ")).toMatch(/no-such-fer2013\.csv: cannot open/);
      else expect(e?.message, args.join(" ")).toMatch(new RegExp(`^train: --${args[args.length - 2].slice(2)} (must be|with)`));
    };
    const cases: [string, string, boolean][] = [
      ["epochs", "1", true], ["epochs", "0", false], ["batch", "1", true], ["batch", "0", false], ["ghost", "1", true], ["ghost", "0", false],
      ["seed", "0", true], ["seed", "-1", false], ["workers", "0", true], ["workers", "-1", false], ["limit", "1", true], ["limit", "0", false],
      ["lr", "0", true], ["lr", "-0.0001", false], ["weight-decay", "0", true], ["weight-decay", "-0.0001", false],
      ["smoothing", "0", true], ["smoothing", "-0.0001", false], ["smoothing", "1", true], ["smoothing", "1.0001", false],
      ["warmup", "0", true], ["warmup", "0.9999", true], ["warmup", "1", false], ["warmup", "-0.0001", false], ["erase", "1", true], ["erase", "1.0001", false], ["erase", "-0.0001", false],
      ["bn-momentum", "0.0001", true], ["bn-momentum", "0.9999", true], ["bn-momentum", "0", false], ["bn-momentum", "1", false],
    ];
    for (const [key, v, ok] of cases) await check([`--${key}`, v], ok);
    // the plateau schedule's knobs: patience an integer ≥ 1, factor in (0, 1)
    const plateau: [string, string, boolean][] = [["plateau-patience", "1", true], ["plateau-patience", "0", false], ["plateau-patience", "1.5", false], ["plateau-factor", "0.0001", true], ["plateau-factor", "0.9999", true], ["plateau-factor", "0", false], ["plateau-factor", "1", false]];
    for (const [key, v, ok] of plateau) await check(["--schedule", "plateau", `--${key}`, v], ok);
    // --until: an epoch from 1 to --epochs
    await check(["--epochs", "3", "--until", "3"], true);
    await check(["--epochs", "3", "--until", "4"], false);
    await check(["--epochs", "3", "--until", "0"], false);
    // --soft-weight in [0, 1], with --soft (whose file is read after the data)
    await check(["--soft", "votes.csv", "--soft-weight", "1"], true);
    await check(["--soft", "votes.csv", "--soft-weight", "1.0001"], false);
    // --temperature in (0, 100], with --teacher (whose models load before the data)
    const teacher = join(ROOT, "models/fer2013");
    for (const [v, ok] of [["1e-9", true], ["0", false], ["100", true], ["100.0001", false]] as const) await check(["--teacher", teacher, "--soft-weight", "1", "--temperature", v], ok);
    // --mixup and --cutmix α in (0, 10]; --mix-prob in [0, 1], with either
    for (const key of ["mixup", "cutmix"]) for (const [v, ok] of [["1e-9", true], ["0", false], ["10", true], ["10.0001", false]] as const) await check([`--${key}`, v], ok);
    for (const [v, ok] of [["0", true], ["-0.0001", false], ["1", true], ["1.0001", false]] as const) await check(["--cutmix", "1", "--mix-prob", v], ok);
  });

  it("quantize: --calibration an integer ≥ 1, --weight-bits 8 or 12 (a value taken gets as far as reading --data, which is missing)", async () => {
    const { quantizeCommand } = await import("../src/cli/quantize.js");
    const base = ["--data", join(ROOT, "no-such-fer2013.csv"), "--out", join(ROOT, "no-such-quantized")];
    const cases: [string, string, boolean][] = [
      ["calibration", "1", true], ["calibration", "0", false], ["calibration", "1.5", false],
      ["weight-bits", "8", true], ["weight-bits", "12", true], ["weight-bits", "7", false], ["weight-bits", "10", false], ["weight-bits", "13", false],
    ];
    for (const [key, v, ok] of cases) {
      const e = await quantizeCommand([...base, `--${key}`, v]).then(() => null, (x: Error) => x);
      expect(e?.message, `${key} ${v}`).toMatch(ok ? /no-such-fer2013\.csv: cannot open/ : new RegExp(`^quantize: --${key} must be`));
    }
  });

  it("soft-targets --temperature in (0, 100] (a value taken gets as far as checking --out's folder, which is missing)", async () => {
    const { softTargetsCommand } = await import("../src/cli/soft-targets.js");
    for (const [v, ok] of [["100", true], ["100.0001", false], ["0", false], ["1e-9", true]] as const) {
      const e = await softTargetsCommand(["--data", "fer.csv", "--out", join(ROOT, "no-such-folder", "t.gz"), "--temperature", v, "models/fer2013"]).then(() => null, (x: Error) => x);
      expect(e?.message, v).toMatch(ok ? /no-such-folder does not exist$/ : new RegExp(`^soft-targets: --temperature must be a number in \\(0, 100\\], found "${v}"$`));
    }
  });

  it("video and enqueue: --every an integer ≥ 1, --from, --smooth, --track-memory ≥ 0, --to after --from", async () => {
    const { videoOptions } = await import("../src/cli/video-options.js");
    for (const command of ["video", "enqueue"] as const) {
      const parse = (args: string[]) => videoOptions(parseArgs(args, parserSpec(command), command), command);
      const edges = (key: string, e: Edges, before: string[] = []) => expectEdges(`${command} --${key}`, e, (v) => parse([...before, `--${key}`, String(v)]));
      edges("every", [[1, true], [0, false], [1.5, false]]);
      for (const key of ["from", "smooth", "track-memory"]) edges(key, [[0, true], [-0.0001, false]]);
      edges("to", [[0.0001, true], [0, false]]);
      edges("to", [[1.0001, true], [1, false]], ["--from", "1"]);
    }
  });

  it("detect --margin: 1 is taken, 1.0001 refused; 0 taken, -0.0001 refused", () => {
    const cli = (margin: string) => spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), "detect", "--json", "--margin", margin, "fixtures/faces48/00-angry.png"], { cwd: ROOT, encoding: "utf8" });
    for (const [v, ok] of [["1", true], ["1.0001", false], ["0", true], ["-0.0001", false]] as const) {
      const r = cli(v);
      expect(r.status, `--margin ${v}: ${r.stderr}`).toBe(ok ? 0 : 1);
      if (!ok) expect(r.stderr).toBe(`resezap: detect: --margin must be a fraction in [0, 1], found "${v}"\n`);
    }
  });
});
