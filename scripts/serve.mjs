#!/usr/bin/env node
// A tiny static server for the browser demo (npm run web): serves the package root, so the page can import
// /dist/browser.js and fetch /models/…, with no dependencies. GET and HEAD only; nothing outside the root.
//
//   node scripts/serve.mjs [--port N]      (or PORT=N; default 8080; 0 picks a free port)
//   import { startServer } from "./serve.mjs"; const { url, close } = await startServer({ port: 0 })
import { createReadStream, realpathSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// Browsers refuse module scripts and workers served with a non-JavaScript type, and WebAssembly.compileStreaming
// needs application/wasm, so these must be right; anything unknown goes out as bytes.
export const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".wasm": "application/wasm",
  ".bin": "application/octet-stream",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".y4m": "video/x-yuv4mpeg",
};

/** The file a URL path names under root, or null when it would leave the root (by "..", encoding or a link) or name a dotfile. */
export function resolveUnder(root, urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath.split("?")[0].split("#")[0]);
  } catch {
    return null;
  }
  if (p.includes("\0")) return null;
  // dot folders and files (.git, .npmrc, .ci) are not the demo's business
  if (p.split("/").some((seg) => seg.startsWith("."))) return null;
  const file = resolve(root, "." + (p.startsWith("/") ? p : "/" + p));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    // a symbolic link inside the root may point outside it
    const real = realpathSync(file);
    const realRoot = realpathSync(root);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return null;
  } catch {
    // missing: the caller answers 404
  }
  return file;
}

function handle(root, req, res) {
  const send = (status, text) => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(req.method === "HEAD" ? undefined : text + "\n");
  };
  if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed");
  let file = resolveUnder(root, req.url ?? "/");
  if (!file) return send(403, "forbidden: outside the served folder");
  let st;
  try {
    st = statSync(file);
    if (st.isDirectory()) {
      // "/" goes to the demo, a folder to its index.html; both by redirect so relative URLs in the page resolve
      if (file === root) {
        res.writeHead(302, { location: "/web/" });
        return res.end();
      }
      if (!req.url.split("?")[0].endsWith("/")) {
        res.writeHead(301, { location: req.url.split("?")[0] + "/" + (req.url.includes("?") ? req.url.slice(req.url.indexOf("?")) : "") });
        return res.end();
      }
      file = join(file, "index.html");
      st = statSync(file);
    }
  } catch {
    return send(404, "not found");
  }
  res.writeHead(200, {
    "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
    "content-length": st.size,
    // the demo is rebuilt often while it is worked on: never serve a stale dist/
    "cache-control": "no-store",
    // cross-origin isolation, so pages have SharedArrayBuffer (QuantizedModel.setThreads(2) needs it); every
    // file here is same-origin, so nothing is blocked by it
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "require-corp",
  });
  if (req.method === "HEAD") return res.end();
  createReadStream(file).on("error", () => res.destroy()).pipe(res);
}

/** Starts serving root (default: the package) on 127.0.0.1:port; resolves once it listens. */
export function startServer({ port = 8080, root = ROOT, host = "127.0.0.1" } = {}) {
  const server = createServer((req, res) => handle(root, req, res));
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      ok({ server, port: p, url: `http://${host === "0.0.0.0" ? "localhost" : host}:${p}/`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

function portArg(argv) {
  const i = argv.indexOf("--port");
  const v = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--port="))?.slice(7) ?? process.env.PORT ?? "8080";
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`serve: --port must be an integer from 0 to 65535, found ${v}`);
    process.exit(1);
  }
  return n;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const port = portArg(process.argv.slice(2));
  try {
    const { url } = await startServer({ port });
    console.log(`resezap demo: ${url}web/  (serving ${ROOT}; Ctrl-C stops)`);
  } catch (e) {
    console.error(`serve: cannot listen on port ${port}: ${e.message}`);
    process.exit(1);
  }
}
