import { countOps, formatCount } from "../count.js";
import { ArgumentError } from "../errors.js";
import { resezap } from "../resezap.js";
import { parseArgs, stringOption } from "./args.js";
import { parserSpec } from "./options.js";

export async function countCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("count"), "count");
  if (p.positionals.length) throw new ArgumentError(`count: unexpected argument "${p.positionals[0]}"`);
  const conv = stringOption(p, "conv") ?? "separable";
  if (conv !== "separable" && conv !== "normal") throw new ArgumentError(`count: --conv must be "separable" or "normal", found "${conv}"`);
  const c = countOps(resezap({ conv }));
  console.log(p.options.has("json") ? JSON.stringify(c) : formatCount(c));
}
