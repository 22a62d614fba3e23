import { ResezapError } from "../errors.js";
import { classifyCommand } from "./classify.js";
import { countCommand } from "./count.js";
import { benchCommand } from "./bench.js";
import { detectCommand } from "./detect.js";
import { facesCommand } from "./faces.js";
import { trainCommand } from "./train.js";
import { evalCommand } from "./eval.js";
import { enableRelaxedSimd } from "../engine/relaxed.js";

const USAGE = `usage: resezap <command> [options]

commands:
  count [--json] [--conv normal]            multiplications and parameters of ResEZAP, per conv layer
  classify <image.png...> [--model DIR|FILE.onnx] [--json]
                                            emotion of each face crop (any size; grey, 48×48 area resize, /255)
  faces <image.png|jpg...> [--json] [--score-threshold F] [--nms-threshold F] [--top-k N] [--longest-side PX]
                                            YuNet's faces: boxes, scores and five landmarks
        --detector haar [--scale-factor F] [--min-neighbors N] [--min-size PX] [--max-size PX] [--cascade FILE]
                                            or the Haar cascade's boxes (OpenCV's detectMultiScale, box for box)
  detect <image.png|jpg...> [--out FILE|DIR] [--json] [--model DIR|FILE.onnx] [--margin F] and the options of faces
                                            faces and their emotions; --out writes the image annotated
  train --data FILE --out DIR [--epochs N] [--batch B] [--workers W] [--seed S] [--until E] [--resume]
                                            train ResEZAP on the FER2013 CSV (plain or gzipped) with this library;
                                            --until E stops after epoch E, --resume continues (bit for bit)
  eval --data FILE [--split PublicTest] [--model DIR|FILE.onnx] [--tta] [--json] [--confusion FILE.png]
                                            accuracy, per-class accuracy and confusion matrix on a split
  bench [--quick] [--json] [--write] [--no-peers]
                                            the benchmark suite (ours; peers when run from a clone)

options for every command: --debug (print stack traces)
environment: RESEZAP_SIMD=plain uses the plain-SIMD kernels even where relaxed SIMD (FMA) is available`;

type Command = (args: string[]) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  count: countCommand,
  classify: classifyCommand,
  bench: benchCommand,
  faces: facesCommand,
  detect: detectCommand,
  train: trainCommand,
  eval: evalCommand,
};

/** Runs the CLI; returns the exit code. Errors print as one line (stack with --debug). */
export async function runCli(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug");
  const [cmd, ...rest] = args;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    console.log(USAGE);
    return cmd ? 0 : 1;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    console.error(`resezap: unknown command "${cmd}" (commands: ${Object.keys(COMMANDS).join(", ")})`);
    return 1;
  }
  try {
    // The CLI owns its process, so it may turn on relaxed SIMD in V8 (Node 20 keeps it behind a flag).
    if (process.env.RESEZAP_SIMD !== "plain") await enableRelaxedSimd();
    await run(rest);
    return 0;
  } catch (e) {
    if (debug) console.error(e);
    else if (e instanceof ResezapError) console.error(`resezap: ${e.message}`);
    else console.error(`resezap ${cmd}: internal error: ${(e as Error)?.message ?? e} (rerun with --debug for details)`);
    return 1;
  }
}

export function registerCommand(name: string, run: Command): void {
  COMMANDS[name] = run;
}
