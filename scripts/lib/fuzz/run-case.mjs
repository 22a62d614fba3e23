// Runs one case and sorts its outcome: "valid" (accepted, and the result used without trouble), "typed" (a
// ResezapError with a one-line message naming the file or field), or "failure" with the reason — any other
// exception (a WASM trap is a WebAssembly.RuntimeError, a bad index a RangeError, …), a message that names
// nothing, or a case slower than the per-case bound.
import { caseSeed, Rng } from "./rng.mjs";

export async function runCase(lib, target, bases, parser, seed, i, { caseMs = 5000 } = {}) {
  const input = target.gen(new Rng(caseSeed(seed, parser, i)), bases);
  const t0 = performance.now();
  let outcome, reason;
  try {
    await target.run(input);
    outcome = "valid";
  } catch (e) {
    if (e instanceof lib.ResezapError) {
      const msg = e.message;
      if (!msg || msg.includes("\n")) (outcome = "failure"), (reason = `${e.name} message is not one line: ${JSON.stringify(msg.slice(0, 200))}`);
      else if (!target.named.test(msg)) (outcome = "failure"), (reason = `${e.name} names no file or field: ${msg.slice(0, 200)}`);
      else (outcome = "typed"), (reason = `${e.name}: ${msg.slice(0, 200)}`);
    } else {
      outcome = "failure";
      reason = `${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 200)}${e?.stack ? ` @ ${String(e.stack).split("\n").slice(1, 3).join(" | ").trim()}` : ""}`;
    }
  }
  const ms = performance.now() - t0;
  if (outcome !== "failure" && ms > caseMs) (outcome = "failure"), (reason = `took ${ms.toFixed(0)} ms, over the ${caseMs} ms bound per case (${reason ?? "valid"})`);
  return { i, outcome, reason, ms, base: input.base, input };
}
