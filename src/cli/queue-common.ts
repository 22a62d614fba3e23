import type { Redis } from "ioredis";
import { ArgumentError } from "../errors.js";
import { connectRedis } from "../queue/connection.js";
import { DEFAULT_QUEUE } from "../queue/job.js";
import { stringOption, type Parsed } from "./args.js";

// --redis and --queue, shared by enqueue, worker and queue-status.

export async function queueOptions(p: Parsed, command: string): Promise<{ url: string; name: string; connection: Redis }> {
  const url = stringOption(p, "redis");
  if (url === undefined) throw new ArgumentError(`${command}: --redis URL is required (e.g. redis://localhost:6379)`);
  const name = stringOption(p, "queue") ?? DEFAULT_QUEUE;
  // BullMQ joins key parts with ":"
  if (name === "" || name.includes(":")) throw new ArgumentError(`${command}: --queue must be a non-empty name without ":", found ${JSON.stringify(name)}`);
  return { url, name, connection: await connectRedis(url, command) };
}
