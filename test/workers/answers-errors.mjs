// A worker that answers each request { kind } with the error a worker's handler would catch: one of the library's,
// a subclass of one defined elsewhere, or a plain bug; { kind: "silent" } is never answered.
import { parentPort } from "node:worker_threads";
import { ArgumentError, errorAnswer } from "../../dist/errors.js";

class SubclassError extends ArgumentError {}
parentPort.on("message", (m) => {
  if (m.kind === "silent") return;
  const e = m.kind === "argument" ? new ArgumentError("bad x") : m.kind === "subclass" ? new SubclassError("bad y") : new TypeError("a bug");
  parentPort.postMessage({ id: m.id, ...errorAnswer(e) });
});
