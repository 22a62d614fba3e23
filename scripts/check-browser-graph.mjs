#!/usr/bin/env node
// Walks the static import graph of a built ESM entry (default dist/browser.js) and lists every import that an
// unbundled browser page could not load: node: built-ins and bare specifiers (packages such as pngjs).
// Dynamic import() is left out on purpose: those run only on Node paths (reading files, worker_threads).
//
//   node scripts/check-browser-graph.mjs [entry]   → exit 1 and one line per bad import if any
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Static `import … from "x"`, `export … from "x"` and side-effect `import "x"`; tsc emits one per line.
const STATIC = /^\s*(?:import|export)\s+(?:[^'"();]*?\s+from\s+)?["']([^"']+)["']/gm;

export function staticImports(file) {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(STATIC)].map((m) => m[1]);
}

/** { files, bad: [{ file, specifier }] } for the graph rooted at entry. */
export function checkBrowserGraph(entry) {
  const seen = new Set();
  const bad = [];
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith("./") || spec.startsWith("../")) walk(resolve(dirname(file), spec));
      else bad.push({ file, specifier: spec });
    }
  };
  walk(resolve(entry));
  return { files: [...seen], bad };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const entry = process.argv[2] ?? resolve(root, "dist/browser.js");
  const { files, bad } = checkBrowserGraph(entry);
  for (const b of bad) console.log(`${b.file}: imports ${b.specifier}`);
  console.log(`${files.length} modules, ${bad.length} imports a browser cannot load`);
  process.exit(bad.length ? 1 : 0);
}
