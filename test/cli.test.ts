// The CLI as a user runs it: the built dist/cli.js in a child process.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";

// the CLI runs the relaxed-SIMD build where the engine has it: so does this process, for the same bits of the
// quantized model (its builds differ by a rounding of 12 bits now and then)
await enableRelaxedSimd();

const ROOT = new URL("..", import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), ...args], { cwd: ROOT, encoding: "utf8" });
const io = JSON.parse(readFileSync(join(ROOT, "fixtures/reference-model/io.json"), "utf8"));

describe("resezap CLI", () => {
  it("classify, faces and detect print each file's result as it finishes: a bad file after a good one fails after its line", () => {
    const bad = join(tempDir("cli"), "notes.png");
    writeFileSync(bad, "not an image");
    for (const [command, good] of [["classify", "fixtures/faces48/00-angry.png"], ["faces", "fixtures/faces/astronaut.png"], ["detect", "fixtures/faces/astronaut.png"]]) {
      const r = cli(command, good, bad);
      expect(r.status, `${command}: ${r.stderr}`).toBe(1);
      expect(r.stdout, command).toMatch(new RegExp(`^${good.replace(/[./]/g, "\\$&")}: `));
      expect(r.stderr, command).toMatch(/notes\.png: not a PNG or JPEG file/);
    }
  });

  it("count --json prints the paper's totals", () => {
    const r = cli("count", "--json");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.total).toEqual({ normal: 130075776, separable: 16909540, params: 54480, paramsNormal: 345319, paramsSeparable: 54480 });
    expect(j.layers).toHaveLength(9);
    expect(Object.keys(j.layers[0])).toEqual(["name", "normal", "separable", "depthwise", "pointwise", "params"]);
  });

  it("classify --model takes an .onnx file too: this project's export of the reference gives PyTorch's probabilities", () => {
    const files = ["fixtures/faces48/00-angry.png", "fixtures/faces48/05-happy.png"];
    const r = cli("classify", "--json", "--model", "benchmarks/models/resezap-reference.onnx", ...files);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    [0, 5].forEach((row, i) => Object.values(out[i].probabilities).forEach((v, k) => expect(Math.abs((v as number) - io.probabilities[row][k])).toBeLessThan(1e-5)));
    const bad = cli("classify", "--model", "models/yunet/face_detection_yunet.onnx", ...files);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/face_detection_yunet.onnx: input input has a free height or width/);
  });

  it("count prints a table", () => {
    const r = cli("count");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/130,075,776/);
    expect(r.stdout).toMatch(/16,909,540/);
  });

  it("classify --json reproduces PyTorch's probabilities on 48×48 face crops (--model the reference)", () => {
    const files = ["fixtures/faces48/00-angry.png", "fixtures/faces48/05-happy.png"];
    const r = cli("classify", "--json", "--model", "fixtures/reference-model", ...files);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.map((o: any) => o.file)).toEqual(files);
    [0, 5].forEach((row, i) => {
      const p = out[i].probabilities;
      expect(Object.keys(p)).toEqual(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]);
      Object.values(p).forEach((v, k) => expect(Math.abs((v as number) - io.probabilities[row][k])).toBeLessThan(1e-5));
    });
    expect(out[0].label).toBe("angry");
    expect(out[1].label).toBe("happy");
  });

  it("classify with no --model runs the package's model quantized, as the API loads it; --f32 runs its f32 weights", async () => {
    const files = ["fixtures/faces48/00-angry.png", "fixtures/faces48/05-happy.png"];
    // @ts-ignore: the built package
    const { loadLayersModel, EMOTIONS } = await import("../dist/index.js");
    // @ts-ignore
    const { DEFAULT_MODEL_DIR } = await import("../dist/paths.js");
    // @ts-ignore
    const { runnable } = await import("../dist/quant/saved.js");
    const f32 = await loadLayersModel(fileURLToPath(DEFAULT_MODEL_DIR)), quantized = runnable(f32);
    expect((quantized as { programKind?: string }).programKind).toBe("mixed");
    const x = new Float32Array(2 * 2304);
    files.forEach((f, i) => PNG.sync.read(readFileSync(join(ROOT, f))).data.forEach((v: number, j: number) => { if (j % 4 === 0) x[i * 2304 + j / 4] = v / 255; }));
    const pq = quantized.predict(x, 2), pf = f32.predict(x, 2);
    expect(Math.max(...pq.map((v: number, k: number) => Math.abs(v - pf[k]))), "the quantized model computes something else than f32").toBeGreaterThan(1e-6);
    for (const [args, p] of [[[], pq], [["--f32"], pf]] as const) {
      const r = cli("classify", "--json", ...args, ...files);
      expect(r.status, r.stderr).toBe(0);
      JSON.parse(r.stdout).forEach((o: any, i: number) => {
        const want = Array.from(p.subarray(i * 7, i * 7 + 7)) as number[];
        Object.values(o.probabilities).forEach((v, k) => expect(Math.abs((v as number) - want[k]), `${args} ${files[i]}`).toBeLessThan(1e-6));
        expect(o.label).toBe(EMOTIONS[want.indexOf(Math.max(...want))]);
      });
    }
  });

  it("--tta averages each face with its mirror image: classify and detect print what the API's tta: \"flip\" gives", async () => {
    const files = ["fixtures/faces48/00-angry.png", "fixtures/faces48/05-happy.png"];
    // @ts-ignore: the built package
    const { loadLayersModel, classifyFaces, recognize, decodeImage } = await import("../dist/index.js");
    // @ts-ignore
    const { DEFAULT_MODEL_DIR } = await import("../dist/paths.js");
    // @ts-ignore
    const { runnable } = await import("../dist/quant/saved.js");
    const model = runnable(await loadLayersModel(fileURLToPath(DEFAULT_MODEL_DIR))); // quantized, as the CLI runs it
    const close = (got: any[], want: any[]) => {
      expect(got).toHaveLength(want.length);
      got.forEach((g, i) => {
        expect(g.label).toBe(want[i].label);
        for (const k of Object.keys(want[i].probabilities)) expect(Math.abs(g.probabilities[k] - want[i].probabilities[k])).toBeLessThan(1e-6);
      });
    };
    const c = cli("classify", "--json", "--tta", ...files);
    expect(c.status, c.stderr).toBe(0);
    const images = files.map((f) => decodeImage(readFileSync(join(ROOT, f)), f));
    close(JSON.parse(c.stdout), classifyFaces(model, images, { tta: "flip" }));
    const photo = "fixtures/faces/knn_test_kit_with_rose.png";
    const d = cli("detect", "--json", "--tta", photo);
    expect(d.status, d.stderr).toBe(0);
    const want = recognize(decodeImage(readFileSync(join(ROOT, photo)), photo), { model, detector: "yunet", tta: "flip" });
    const got = JSON.parse(d.stdout)[0].faces;
    expect(got.map((f: any) => f.box)).toEqual(want.map((f: any) => f.box));
    close(got, want);
  });

  it("classify takes any size and colour: the face blown up 3× as RGBA gives the same probabilities (area resize)", () => {
    const src = PNG.sync.read(readFileSync(join(ROOT, "fixtures/faces48/05-happy.png")));
    const big = new PNG({ width: 144, height: 144 });
    for (let y = 0; y < 144; y++)
      for (let x = 0; x < 144; x++) {
        const s = ((y / 3 | 0) * 48 + (x / 3 | 0)) * 4, d = (y * 144 + x) * 4;
        big.data[d] = big.data[d + 1] = big.data[d + 2] = src.data[s];
        big.data[d + 3] = 255;
      }
    const file = join(tempDir("cli"), "big.png");
    writeFileSync(file, PNG.sync.write(big));
    const r = cli("classify", "--json", "--model", "fixtures/reference-model", file);
    expect(r.status, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout)[0];
    expect(p.label).toBe("happy");
    Object.values(p.probabilities).forEach((v, k) => expect(Math.abs((v as number) - io.probabilities[5][k])).toBeLessThan(1e-5));
  });

  it("bad input: one readable line on stderr and exit 1", () => {
    const d = tempDir("cli");
    const bad = join(d, "bad.png");
    writeFileSync(bad, "not a png at all");
    const cases: [string[], RegExp][] = [
      [["classify", bad], /bad\.png: not a PNG or JPEG file/],
      [["classify", join(d, "missing.png")], /missing\.png: cannot read/],
      [["classify", "--model", d, "fixtures/faces48/00-angry.png"], /model\.json: cannot read the model/],
      [["classify"], /expected one or more PNG or JPEG files/],
      [["count", "--bogus"], /unknown option --bogus/],
      [["frobnicate"], /unknown command "frobnicate"/],
    ];
    for (const [args, re] of cases) {
      const r = cli(...args);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe("resezap <command> --help", () => {
  it("every command lists every option it takes, each with its default, and exits 0", async () => {
    const { COMMAND_SPECS, parserSpec } = await import("../src/cli/options.js");
    const { COMMANDS } = await import("../src/cli/main.js");
    // every command the CLI dispatches has a spec, and every spec a command
    expect(Object.keys(COMMANDS).sort()).toEqual(Object.keys(COMMAND_SPECS).sort());
    for (const cmd of Object.keys(COMMAND_SPECS)) {
      const r = cli(cmd, "--help");
      expect(r.status, `${cmd}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: resezap ${cmd} `));
      const { flags, values } = parserSpec(cmd);
      expect([...flags, ...values].sort()).toEqual([...COMMAND_SPECS[cmd].options].sort());
      for (const o of COMMAND_SPECS[cmd].options) {
        const line = r.stdout.split("\n").find((l: string) => new RegExp(`^\\s+--${o}\\s`).test(l));
        expect(line, `${cmd} --${o}`).toBeDefined();
        expect(line, `${cmd} --${o}`).toMatch(/\(default: [^)]+\)$/);
      }
    }
    // an option a command does not list is unknown to it, named with the ones it knows
    const bad = cli("faces", "--margin", "0.1", "x.png");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^resezap: faces: unknown option --margin \(known: --json, --detector/);
  });
});
