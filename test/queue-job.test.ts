// The queue's parts that need no Redis: job ids, result names, the check of a job's data, Redis URLs, and the
// queue commands' refusals of bad arguments (all made before any connection).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { jobId, kindOf, resultFile, validateJob } from "../src/queue/job.js";
import { loadPeer, parseRedisUrl, redactedUrl } from "../src/queue/connection.js";
import { reasonOf } from "../src/queue/worker.js";
import { ArgumentError, ImageError } from "../src/errors.js";
import { runCli } from "../src/cli/main.js";
import { tempDir } from "./temp-dir.js";

describe("job ids and result files", () => {
  it("the same file, options and destination give the same id; any difference another", () => {
    const id = jobId("/data/a.mp4", { every: 5, smooth: 1 }, "dir:/out");
    expect(id).toMatch(/^r[0-9a-f]{32}$/);
    expect(jobId("/data/./x/../a.mp4", { smooth: 1, every: 5 }, "dir:/out")).toBe(id);
    expect(jobId("/data/a.mp4", { every: 5, smooth: 1, from: undefined }, "dir:/out")).toBe(id);
    const others = [
      jobId("/data/b.mp4", { every: 5, smooth: 1 }, "dir:/out"),
      jobId("/data/a.mp4", { every: 6, smooth: 1 }, "dir:/out"),
      jobId("/data/a.mp4", { every: 5 }, "dir:/out"),
      jobId("/data/a.mp4", { every: 5, smooth: 1 }, "dir:/elsewhere"),
      jobId("/data/a.mp4", { every: 5, smooth: 1 }, "queue:results"),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
    expect(resultFile("/out", "/data/a.mp4", id)).toBe(`/out/a.mp4.${id.slice(1, 9)}.jsonl`);
  });

  it("pictures by their extension, everything else as video", () => {
    expect(["a.png", "b.JPG", "c.jpeg", "d.mp4", "e.mkv", "f"].map(kindOf)).toEqual(["image", "image", "image", "video", "video", "video"]);
  });
});

describe("validateJob", () => {
  const good = { kind: "video", file: "/v.mp4", options: { every: 2, model: "/m" }, output: { jsonl: "/out/v.jsonl" } };
  it("takes a good job, either output", () => {
    expect(validateJob(good)).toEqual(good);
    expect(validateJob({ ...good, output: { queue: "results" } }).output).toEqual({ queue: "results" });
  });
  it("refuses each bad field by name", () => {
    const cases: [unknown, RegExp][] = [
      [null, /^job data: the data must be an object/],
      [{ ...good, kind: "audio" }, /^job data: kind must be "image" or "video", found "audio"$/],
      [{ ...good, file: "rel.mp4" }, /^job data: file must be an absolute path, found "rel.mp4"$/],
      [{ ...good, options: { every: "2" } }, /^job data: options.every must be a number, found "2"$/],
      [{ ...good, options: { fps: 2 } }, /^job data: options.fps must be one of model, every, .* \(unknown option\), found 2$/],
      [{ ...good, options: { model: 3 } }, /^job data: options.model must be a path, found 3$/],
      [{ ...good, output: { jsonl: "out.jsonl" } }, /^job data: output must be \{ jsonl: absolute path \} or \{ queue: name \}/],
      [{ ...good, output: undefined }, /^job data: output must be/],
    ];
    for (const [data, message] of cases) expect(() => validateJob(data), JSON.stringify(data)).toThrow(message);
  });
  it("a failed job's reason is the error's first line; a bug says it is one", () => {
    expect(reasonOf(new ImageError("/a.png: cannot read (ENOENT)"))).toBe("/a.png: cannot read (ENOENT)");
    expect(reasonOf(new TypeError("x is undefined\n  at f"))).toBe("internal error: x is undefined");
  });
});

describe("Redis URLs", () => {
  it("takes redis:// and rediss:// with a host, an optional port and database; refuses the rest naming the URL", () => {
    expect(parseRedisUrl("redis://h:7000/2").port).toBe("7000");
    expect(parseRedisUrl("rediss://user:pw@h").hostname).toBe("h");
    expect(() => parseRedisUrl("localhost:6379")).toThrow(/^--redis localhost:6379: expected a redis:\/\/ or rediss:\/\/ URL, found localhost:$/);
    expect(() => parseRedisUrl("http://h")).toThrow(/found http:$/);
    expect(() => parseRedisUrl("not a url")).toThrow(/^--redis not a url: not a URL/);
    expect(() => parseRedisUrl("redis://h/queue")).toThrow(/the path must be a database number, found "queue"$/);
    expect(redactedUrl("redis://u:secret@h:1")).toBe("redis://u:***@h:1");
  });
  it("a missing BullMQ or ioredis is one line saying what to install", async () => {
    await expect(loadPeer("resezap-no-such-package", "worker")).rejects.toThrow(/^worker: the job queue needs BullMQ and ioredis \(optional\): npm install bullmq ioredis$/);
  });
});

describe("the queue commands' bad arguments", () => {
  async function error(args: string[]): Promise<string> {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await runCli(args)).toBe(1);
      expect(spy).toHaveBeenCalledTimes(1);
      return String(spy.mock.calls[0][0]);
    } finally {
      spy.mockRestore();
    }
  }
  const R = ["--redis", "redis://127.0.0.1:1"];
  it("one line each, before connecting", async () => {
    const dir = tempDir("queue-args");
    const list = join(dir, "none.txt");
    expect(await error(["enqueue", "a.png"])).toBe("resezap: enqueue: --redis URL is required (e.g. redis://localhost:6379)");
    expect(await error(["enqueue", ...R])).toBe("resezap: enqueue: expected pictures or videos (or @list.txt, one path a line)");
    expect(await error(["enqueue", ...R, `@${list}`])).toBe(`resezap: enqueue: list ${list}: cannot read (ENOENT)`);
    writeFileSync(list, "# nothing\n\n");
    expect(await error(["enqueue", ...R, `@${list}`])).toBe("resezap: enqueue: expected pictures or videos (or @list.txt, one path a line)");
    expect(await error(["enqueue", ...R, "a.mp4", "--out-dir", dir, "--results-queue", "r"])).toBe("resezap: enqueue: --out-dir and --results-queue both say where results go; give one");
    expect(await error(["enqueue", ...R, "a.mp4", "--every", "0"])).toBe('resezap: enqueue: --every must be an integer ≥ 1, found "0"');
    expect(await error(["enqueue", "--redis", "localhost", "a.mp4"])).toBe("resezap: enqueue: --redis localhost: not a URL (expected redis://host:port)");
    expect(await error(["enqueue", ...R, "a.mp4", "--queue", "a:b"])).toBe('resezap: enqueue: --queue must be a non-empty name without ":", found "a:b"');
    expect(await error(["worker", ...R, "--concurrency", "0"])).toBe('resezap: worker: --concurrency must be an integer ≥ 1, found "0"');
    expect(await error(["worker", ...R, "--lock-duration", "99"])).toBe('resezap: worker: --lock-duration must be an integer ≥ 100 (milliseconds), found "99"');
    expect(await error(["worker", ...R, "--stalled-interval", "99"])).toBe('resezap: worker: --stalled-interval must be an integer ≥ 100 (milliseconds), found "99"');
    // the valid side of each edge gets as far as connecting (nothing listens on port 1)
    for (const [key, v] of [["concurrency", "1"], ["lock-duration", "100"], ["stalled-interval", "100"]]) {
      expect(await error(["worker", ...R, `--${key}`, v]), `--${key} ${v}`).toBe("resezap: worker: cannot reach Redis at redis://127.0.0.1:1 (ECONNREFUSED)");
    }
    expect(await error(["worker", ...R, "a.mp4"])).toBe('resezap: worker: takes no file (enqueue adds them), found "a.mp4"');
    expect(await error(["queue-status", ...R, "--concurrency", "2"])).toMatch(/^resezap: queue-status: unknown option --concurrency /);
  });
});
