#!/usr/bin/env node
// The single-file browser build: dist/browser.js (tsc's output) and everything it imports, the WASM modules
// included (src/generated/wasm.ts embeds them as base64), bundled and minified into dist/resezap.browser.min.js,
// one ES module with no imports that a page loads with <script type="module"> or import().
// Node-only code stays behind dynamic import("node:…") on Node paths: kept as is, never reached in a browser.
import { build } from "esbuild";
import { readFile, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
export const BUNDLE = join(dist, "resezap.browser.min.js");

// Modules find the package's files (models/…) relative to their own URL; in one bundle every module's
// import.meta.url would be the bundle's. Each module under dist/ gets the URL it has unbundled instead.
const ownUrl = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async ({ path }) => {
      const text = await readFile(path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const rel = relative(dist, path).split("\\").join("/");
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify("./" + rel)}, import.meta.url).href`), loader: "js" };
    });
  },
};

await build({
  entryPoints: [join(dist, "browser.js")],
  outfile: BUNDLE,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  external: ["node:*"],
  plugins: [ownUrl],
  logLevel: "warning",
  legalComments: "none",
});
console.log(`build-browser: ${relative(root, BUNDLE)} ${(await stat(BUNDLE)).size} bytes`);
