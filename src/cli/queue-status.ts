import { loadBullmq } from "../queue/connection.js";
import { formatStatus, queueStatus } from "../queue/status.js";
import { ArgumentError } from "../errors.js";
import { parseArgs } from "./args.js";
import { parserSpec } from "./options.js";
import { queueOptions } from "./queue-common.js";

// `resezap queue-status --redis URL [--queue NAME] [--json]`
export async function queueStatusCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("queue-status"), "queue-status");
  if (p.positionals.length) throw new ArgumentError(`queue-status: takes no file, found ${JSON.stringify(p.positionals[0])}`);
  const { Queue } = await loadBullmq("queue-status");
  const { name, connection } = await queueOptions(p, "queue-status");
  const queue = new Queue(name, { connection });
  try {
    const s = await queueStatus(queue);
    console.log(p.options.has("json") ? JSON.stringify(s) : formatStatus(name, s));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
