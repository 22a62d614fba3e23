import { ArgumentError, ResezapError } from "../errors.js";
import type { Redis as RedisClient } from "ioredis";

// Redis for the job queue: the URL checked, the server reached within seconds or one line naming the URL, and
// BullMQ and ioredis loaded only here (optional peer dependencies, so the library installs without them).

/** How long a first connection may take before the URL is reported unreachable. */
export const CONNECT_TIMEOUT_MS = 5000;

/** `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS); anything else is refused naming `what`. */
export function parseRedisUrl(url: string, what = "--redis"): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ArgumentError(`${what} ${url}: not a URL (expected redis://host:port)`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new ArgumentError(`${what} ${url}: expected a redis:// or rediss:// URL, found ${u.protocol}`);
  if (!u.hostname) throw new ArgumentError(`${what} ${url}: no host`);
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new ArgumentError(`${what} ${url}: the path must be a database number, found "${db}"`);
  return u;
}

/** A URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/** An optional peer dependency; missing, one line saying what to install. */
export async function loadPeer<T>(name: string, command: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") throw new ResezapError(`${command}: the job queue needs BullMQ and ioredis (optional): npm install bullmq ioredis`);
    throw e;
  }
}

export const loadBullmq = (command: string) => loadPeer<typeof import("bullmq")>("bullmq", command);

/**
 * A connection for BullMQ, after a first one with no retries has answered PING: an unreachable server is a
 * ResezapError naming the URL within CONNECT_TIMEOUT_MS, where BullMQ itself would retry for ever. Once running,
 * the returned client does retry (a worker outlives a Redis restart); BullMQ's blocking calls need
 * maxRetriesPerRequest null.
 */
export async function connectRedis(url: string, command: string): Promise<RedisClient> {
  parseRedisUrl(url, `${command}: --redis`);
  const { Redis } = await loadPeer<typeof import("ioredis")>("ioredis", command);
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // the socket's error (ECONNREFUSED, ENOTFOUND, ETIMEDOUT) says more than connect()'s "Connection is closed"
  let socketError: NodeJS.ErrnoException | undefined;
  probe.on("error", (e: NodeJS.ErrnoException) => (socketError ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    const cause = socketError ?? (e as NodeJS.ErrnoException);
    throw new ResezapError(`${command}: cannot reach Redis at ${redactedUrl(url)} (${cause.code ?? cause.message})`);
  } finally {
    probe.disconnect();
  }
  const client = new Redis(url, { maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS });
  // a lost connection is retried by ioredis; say so once per error rather than crash
  let last = "";
  client.on("error", (e: NodeJS.ErrnoException) => {
    const what = e.code ?? e.message;
    if (what !== last) console.error(`resezap ${command}: Redis at ${redactedUrl(url)}: ${what} (retrying)`);
    last = what;
  });
  client.on("ready", () => (last = ""));
  return client;
}
