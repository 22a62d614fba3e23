#!/usr/bin/env node
// The single-file browser build: dist/browser.js (tsc's output) and everything it imports, the WASM modules
// included (src/generated/wasm.ts embeds them as base64), bundled and minified into dist/resezap.browser.min.js,
// one ES module with no imports that a page loads with <script type="module"> or import().
// Node-only code stays behind dynamic import("node:…") on Node paths: kept as is, never reached in a browser.
import { build } from "esbuild";
import { readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
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

// dist/generated/wasm.js embeds every WASM module, the training ones too, and engine/wasm.ts picks one by name,
// so the bundler cannot drop any. A module stays when its name is a string literal in some other bundled file
// (instantiateSync("haar"), "nnRelaxed" …): the browser entry never reaches the training code, whose two
// modules are a quarter of the bundle.
const GENERATED = join(dist, "generated", "wasm.js");
const usedModules = (inputs) => async ({ path }) => {
  const text = await readFile(path, "utf8");
  const lines = text.split("\n").filter((l) => {
    const name = l.match(/^export const (\w+) = /)?.[1];
    return !name || inputs.some((t) => t.includes(JSON.stringify(name)));
  });
  return { contents: lines.join("\n"), loader: "js" };
};

const options = {
  absWorkingDir: root,
  entryPoints: [join(dist, "browser.js")],
  outfile: BUNDLE,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  external: ["node:*"],
  logLevel: "warning",
  legalComments: "none",
};
// a first pass lists the files the bundle takes in; the second drops the modules none of them names
const { metafile } = await build({ ...options, write: false, metafile: true, plugins: [ownUrl] });
const inputs = await Promise.all(Object.keys(metafile.inputs).map((f) => resolve(root, f)).filter((f) => f !== GENERATED).map((f) => readFile(f, "utf8")));
const prune = { name: "used-wasm-modules", setup: (b) => b.onLoad({ filter: /generated[\\/]wasm\.js$/ }, usedModules(inputs)) };
await build({ ...options, plugins: [prune, ownUrl] });
console.log(`build-browser: ${relative(root, BUNDLE)} ${(await stat(BUNDLE)).size} bytes`);
