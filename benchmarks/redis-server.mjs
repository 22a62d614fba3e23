// A throwaway redis-server (Debian's) on a free local port, for the queue's test and benchmark: no persistence,
// its files in a folder the caller owns, stopped by stop().
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Whether `redis-server` is on the PATH. */
export function hasRedisServer() {
  return !spawnSync("redis-server", ["--version"]).error;
}

/** A TCP port nothing listens on at the moment of asking. */
export async function freePort() {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = server.address().port;
  server.close();
  await once(server, "close");
  return port;
}

/** Polls `check` every 50 ms until it returns something truthy, which it resolves with; past the timeout, rejects naming `what`. */
export async function waitFor(what, check, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Starts redis-server with its files in `dir` and resolves once it answers, with its URL, a connected ioredis
 * client for BullMQ (maxRetriesPerRequest null), and stop(), which closes both.
 */
export async function startRedisServer(dir) {
  const { Redis } = await import("ioredis");
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  // refused until the server listens: ioredis tries again every 50 ms by itself (a second connect() of ours
  // would be refused while it does)
  const connection = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  connection.on("error", () => {});
  proc.on("error", () => {}); // a failed start shows as the wait's timeout
  const stop = async () => {
    connection.disconnect();
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      await once(proc, "exit");
    }
  };
  try {
    await waitFor("redis-server to answer", async () => connection.status === "ready", 10_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, connection, stop };
}
