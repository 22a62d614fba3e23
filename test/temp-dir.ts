import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

// Temporary folders for a test file, removed when the file's tests end (pass or fail), so a run leaves
// nothing in the system temp directory.
const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A new empty folder under os.tmpdir(), named resezap-<name>-XXXXXX, removed after the file's tests. */
export function tempDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `resezap-${name}-`));
  made.push(d);
  return d;
}
