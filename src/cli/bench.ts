import { ArgumentError } from "../errors.js";
import { parseArgs } from "./args.js";
import { parserSpec } from "./options.js";

// `resezap bench [--quick] [--json] [--write]`: runs the suite in benchmarks/ (shipped with the package;
// the peer engines are devDependencies, so they are measured only from a clone after npm ci).
export async function benchCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("bench"), "bench");
  if (p.positionals.length) throw new ArgumentError(`bench: unexpected argument "${p.positionals[0]}"`);
  const { runBenchmarks } = await import(new URL("../../benchmarks/run.mjs", import.meta.url).href);
  const r = await runBenchmarks({
    quick: p.options.has("quick"),
    write: p.options.has("write"),
    peers: !p.options.has("no-peers"),
    command: `resezap bench ${argv.join(" ")}`.trim(),
  });
  console.log(p.options.has("json") ? JSON.stringify(r.summary) : JSON.stringify(r.summary, null, 2));
}
