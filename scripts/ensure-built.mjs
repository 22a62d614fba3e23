#!/usr/bin/env node
// Builds the package when dist/ is missing (a fresh clone after `npm ci`), so `npm run demo` and `npm run web`
// work on the first try. The build is not an install hook: a `prepare` script makes npm list resezap among the
// packages with unreviewed install scripts when a user installs the packed tarball.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(join(root, "dist/index.js"))) {
  console.log("dist/ is missing: running npm run build first");
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
}
