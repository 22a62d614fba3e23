import type { Queue } from "bullmq";

// `resezap queue-status`: how many jobs wait, run, are done and failed, and why each failed one failed.

export interface QueueStatus {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  /** the most recent failed jobs, newest first */
  failures: { id: string; file: string | undefined; reason: string }[];
}

export async function queueStatus(queue: Queue, maxFailures = 20): Promise<QueueStatus> {
  const counts = await queue.getJobCounts("waiting", "active", "completed", "failed", "delayed");
  const failed = await queue.getFailed(0, maxFailures - 1);
  return {
    waiting: counts.waiting ?? 0,
    active: counts.active ?? 0,
    completed: counts.completed ?? 0,
    failed: counts.failed ?? 0,
    delayed: counts.delayed ?? 0,
    failures: failed.map((j) => ({ id: String(j.id), file: (j.data as { file?: string })?.file, reason: j.failedReason })),
  };
}

export function formatStatus(name: string, s: QueueStatus): string {
  const lines = [`queue ${name}: ${s.waiting} waiting, ${s.active} active, ${s.completed} completed, ${s.failed} failed${s.delayed ? `, ${s.delayed} delayed` : ""}`];
  for (const f of s.failures) lines.push(`failed ${f.id} ${f.file ?? "(no file)"}: ${f.reason}`);
  if (s.failed > s.failures.length) lines.push(`(${s.failed - s.failures.length} more failed jobs not listed)`);
  return lines.join("\n");
}
