import { ResezapError } from "../errors.js";
import { classifyCommand } from "./classify.js";
import { countCommand } from "./count.js";
import { benchCommand } from "./bench.js";
import { detectCommand } from "./detect.js";
import { facesCommand } from "./faces.js";
import { trainCommand } from "./train.js";
import { evalCommand } from "./eval.js";
import { softTargetsCommand } from "./soft-targets.js";
import { averageCommand } from "./average.js";
import { videoCommand } from "./video.js";
import { enqueueCommand } from "./enqueue.js";
import { workerCommand } from "./worker.js";
import { queueStatusCommand } from "./queue-status.js";
import { quantizeCommand } from "./quantize.js";
import { enableRelaxedSimd } from "../engine/relaxed.js";
import { COMMAND_SPECS, commandHelp } from "./options.js";

// The command list comes from the option table, so it names what each command's --help and parser know.
const USAGE = [
  "usage: resezap <command> [options]",
  "",
  "commands:",
  ...Object.values(COMMAND_SPECS).flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
  "",
  "resezap <command> --help lists a command's options and their defaults; --debug prints stack traces.",
  "environment: RESEZAP_SIMD=plain uses the plain-SIMD kernels even where relaxed SIMD (FMA) is available",
].join("\n");

type Command = (args: string[]) => Promise<void>;

export const COMMANDS: Record<string, Command> = {
  count: countCommand,
  classify: classifyCommand,
  bench: benchCommand,
  faces: facesCommand,
  detect: detectCommand,
  train: trainCommand,
  eval: evalCommand,
  "soft-targets": softTargetsCommand,
  average: averageCommand,
  video: videoCommand,
  enqueue: enqueueCommand,
  worker: workerCommand,
  "queue-status": queueStatusCommand,
  quantize: quantizeCommand,
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
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(commandHelp(cmd));
    return 0;
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
