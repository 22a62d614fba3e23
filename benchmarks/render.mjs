// benchmarks/results.json → benchmarks/RESULTS.md: every figure with the machine and the command.
const TARGETS = {
  batch1_ms: 0.5, peer_ratio: 5, pointwise_gmacs: 20, separable_speedup: 6, pool_scaling: 1.8,
};

const f = (x, d = 2) => (x === null || x === undefined ? "—" : Number(x).toFixed(d));
const ratio = (a, b) => (a && b ? a / b : null);

export function renderResults(r) {
  const L = [];
  const net = r.network, best = net.relaxed ?? net.simd, bestName = net.relaxed ? "relaxed SIMD" : "plain SIMD";
  L.push("# Benchmark results", "");
  L.push(`- date: ${r.date}`, `- machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memory_gb} GB, ${r.machine.platform}`);
  L.push(`- node: ${r.machine.node}; relaxed SIMD available: ${r.machine.relaxed_simd}`);
  if (r.machine.cpu_flags) L.push(`- CPU SIMD flags (/proc/cpuinfo): ${r.machine.cpu_flags}`);
  L.push(`- command: \`${r.command}\`${r.quick ? " (quick mode: fewer samples)" : ""}`, "");
  L.push("Medians from tinybench after warm-up; throughput = faces / median batch time. All in one process, one after another.", "");

  L.push("## Whole network (ResEZAP, reference weights)", "");
  L.push("| build | batch 1 latency (ms) | batch 64 (faces/s) | batch 256 (faces/s) |", "|---|---:|---:|---:|");
  for (const k of ["simd", "relaxed"]) if (net[k]) L.push(`| ${k === "simd" ? "plain SIMD" : "relaxed SIMD (FMA)"} | ${f(net[k].batch1_ms, 3)} | ${f(net[k].batch64_per_s, 0)} | ${f(net[k].batch256_per_s, 0)} |`);
  L.push("", `Worker pool at batch 256: 1 worker ${f(net.batch256_per_s_1worker, 0)} faces/s, 2 workers ${f(net.batch256_per_s_2workers, 0)} faces/s: ×${f(net.pool_scaling)} (target ×${TARGETS.pool_scaling}).`, "");
  const q = net.int8;
  if (q) {
    L.push(`### Quantized (int8 issue): f32 and the quantized model of each build in turn, ${q.rounds} round(s)`, "");
    L.push(`Format: ${q.format}. Medians over rounds; speed-ups are medians of f32 time / quantized time within a round (above 1: quantized faster). CPU flags that decide the lowering: ${r.machine.cpu_flags ?? "not recorded"}${/vnni/.test(r.machine.cpu_flags ?? "") ? " (VNNI present; these kernels use the i16 dot, which V8 lowers to pmaddwd either way)" : ""}.`, "");
    L.push("| build | program | f32 batch 1 (ms) | quantized batch 1 (ms) | speed-up | quantized, 2 threads, batch 1 (ms) | 2 threads vs 1 | f32 batch 64 (faces/s) | quantized batch 64 (faces/s) | speed-up |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const k of ["simd", "relaxed", "simd_integer", "relaxed_integer"]) if (q[k]) L.push(`| ${k.startsWith("simd") ? "plain SIMD" : "relaxed SIMD"} | ${q[k].program ?? "integer"} | ${f(q[k].f32_batch1_ms, 3)} | ${f(q[k].int8_batch1_ms, 3)} | ×${f(q[k].speedup_batch1)} | ${f(q[k].int8_2threads_batch1_ms, 3)} | ×${f(q[k].threads_speedup_batch1)} | ${f(q[k].f32_batch64_per_s, 0)} | ${f(q[k].int8_batch64_per_s, 0)} | ×${f(q[k].speedup_batch64)} |`);
    L.push("");
  }

  if (r.peers && !r.peers.error) {
    L.push("## Peers: same network, same weights, same run", "");
    L.push(`| engine | batch 1 (ms) | batch 64 (faces/s) | resezap (${bestName}) vs peer, batch 1 | batch 64 |`, "|---|---:|---:|---:|---:|");
    L.push(`| **resezap** (${bestName}) | ${f(best.batch1_ms, 3)} | ${f(best.batch64_per_s, 0)} | | |`);
    for (const [k, v] of Object.entries(r.peers)) {
      if (v.error) {
        L.push(`| ${k} | error: ${String(v.error).split("\n")[0].slice(0, 80)} | | | |`);
        continue;
      }
      L.push(`| ${k} | ${f(v.batch1_ms, 3)} | ${f(v.batch64_per_s, 0)} | ×${f(ratio(v.batch1_ms, best.batch1_ms))} | ×${f(ratio(best.batch64_per_s, v.batch64_per_s))} |`);
    }
    L.push("", "Ratios above 1 mean resezap is faster. These ratios compare figures taken minutes apart (ours in the network section, each peer after it); the head-to-head table below alternates the engines and is the one the targets use.", "");
  } else if (r.peers?.error) L.push("## Peers", "", r.peers.error, "");

  const h = r.headToHead;
  if (h && !h.error) {
    L.push(`## Head to head: ours and each peer alternating, ${h.rounds} round(s)`, "");
    L.push("Same weights, all engines loaded at once and checked against io.json; every round times each engine in turn (order rotating), batch 1 then batch 64 (`node --experimental-wasm-relaxed-simd benchmarks/head-to-head.mjs`). Medians of the per-round medians; ratios are medians over rounds of peer time / our time in the same round (above 1: ours faster).", "");
    L.push("| engine | batch 1 (ms) | batch 64 (faces/s) | ours (f32) vs it, batch 1 | batch 64 | ours (quantized) vs it, batch 1 | batch 64 | batch 1 by round (ms) |", "|---|---:|---:|---:|---:|---:|---:|---|");
    const x = (v) => (v ? `×${f(v)}` : "");
    for (const [k, v] of Object.entries(h.engines)) {
      const q = h.ratios[k], qi = h.ratios_int8?.[k];
      L.push(`| ${k.startsWith("resezap") ? `**${k}**` : k} | ${f(v.batch1_ms, 3)} | ${f(v.batch64_per_s, 0)} | ${x(q?.batch1)} | ${x(q?.batch64)} | ${x(qi?.batch1)} | ${x(qi?.batch64)} | ${v.rounds_batch1_ms.map((x) => f(x, 2)).join(", ")} |`);
    }
    for (const [k, e] of Object.entries(h.failed ?? {})) L.push(`| ${k} | left out: ${String(e).slice(0, 80)} | | | | | | |`);
    if (h.int8) L.push("", `resezap-int8 is the same weights quantized (calibrated on ${h.int8.calibration}); on io.json's ${h.int8.faces} faces its top-1 class agrees with the f32 model's on ${f(h.int8.top1_agreement * 100, 1)} %, probabilities within ${f(h.int8.max_abs_diff, 4)}.`);
    for (const [k, a] of Object.entries(h.quantized_peers ?? {})) L.push("", `${k} is native ONNX Runtime's own int8 kernels on the same weights (a QDQ model with 8-bit activations, calibrated on ${a.calibration}; ORT ran ${Object.entries(a.ops ?? {}).filter(([o]) => o.includes("QLinear")).map(([o, c]) => `${o.replace(/^com\.microsoft\./, "")} ×${c}`).join(", ")}); on io.json's ${a.faces} faces its top-1 class agrees with the f32 model's on ${f(a.top1_agreement * 100, 1)} %, probabilities within ${f(a.max_abs_diff, 4)}.`);
    L.push("");
  } else if (h?.error) L.push("## Head to head", "", `not measured: ${h.error}`, "");

  const g = r.generalModels;
  if (g && !g.error) {
    L.push(`## Other networks: ours against TF.js WASM and ONNX Runtime (Web and native), alternating, ${g.rounds} round(s)`, "");
    L.push(`Measured ${g.date} with \`${g.command}\`${g.busy ? ` (${g.busy})` : ""}; CPU flags: ${g.cpu_flags}. Same weights in every engine, outputs checked equal before timing; per engine the median of its per-round medians (ms), per peer the median over rounds of its time / ours (above 1: ours faster). mini-Xception is face_classification's architecture (${(g.miniXception?.params ?? 0).toLocaleString("en-US")} parameters, random weights); the MLP is 784 → 512 → 256 → 10; YuNet runs from its ONNX file (TF.js does not run ONNX), ONNX Runtime given the NCHW input it takes (converted outside the timing), native ORT on one thread.`, "");
    L.push("| network | batch | resezap (ms) | TF.js WASM (ms) | ORT Web (ms) | native ORT (ms) | ours vs TF.js WASM | ours vs ORT Web | ours vs native ORT |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const [name, key] of [["mini-Xception 48×48", "miniXception"], ["MLP", "mlp"], ["YuNet 640×480", "yunet"], ["YuNet 320×256", "yunet320"]]) {
      const c = g[key];
      if (!c) continue;
      for (const b of Object.keys(c.engines.resezap)) {
        const n = b.replace(/^batch(\d+)_ms$/, "$1"), rk = `batch${n}`;
        const q = (e) => (c.ratios[e] ? `×${f(c.ratios[e][rk])}` : "—");
        L.push(`| ${name} | ${n} | ${f(c.engines.resezap[b])} | ${f(c.engines["tfjs-wasm"]?.[b])} | ${f(c.engines["ort-web"]?.[b])} | ${f(c.engines["ort-node"]?.[b])} | ${q("tfjs-wasm")} | ${q("ort-web")} | ${q("ort-node")} |`);
      }
    }
    L.push("");
  } else if (g?.error) L.push("## Other networks", "", `not measured: ${g.error}`, "");

  const dq = r.detectors;
  if (dq && !dq.error) {
    L.push(`## Face detectors on the ${dq.photos} photos of fixtures/faces (one thread)`, "");
    if (dq.date) L.push(`Measured ${dq.date} by \`npm run bench\` (${dq.source}).`, "");
    L.push(`Against the ${dq.faces} faces a person sees (fixtures/faces/faces-seen.json; a hit overlaps an unmatched face by IoU ≥ 0.3). Time: the sum over the photos of each one's median of ${dq.rounds} rounds in which the detectors take turns (\`benchmarks/detector-quality.mjs\`); the peers from their npm packages on TF.js's WASM backend.`, "");
    L.push("| detector | hits | misses | false boxes | time, all photos (ms) |", "|---|---:|---:|---:|---:|");
    for (const [name, d] of Object.entries(dq.detectors)) L.push(`| ${name} | ${d.hits} | ${d.misses} | ${d.false} | ${d.ms} |`);
    L.push("");
  } else if (dq?.error) L.push("## Face detectors", "", `not measured: ${dq.error}`, "");

  if (r.realtime) {
    L.push("## Real time: a 640×480 frame with one face, detection on every frame (Node, one thread)", "");
    L.push("| detector settings | faces | detection (ms) | classification (ms) | frame (ms) | frames/s |", "|---|---:|---:|---:|---:|---:|");
    for (const [k, v] of Object.entries(r.realtime)) {
      const set = Object.keys(v.settings).length ? Object.entries(v.settings).map(([a, b]) => `${a} ${b}`).join(", ") : "OpenCV defaults (scaleFactor 1.1, minNeighbors 3)";
      L.push(`| ${k === "realtime" ? "real-time: " : ""}${set}${v.date ? ` (${v.date.slice(0, 16)} run)` : ""} | ${v.faces} | ${f(v.detect_ms)} | ${f(v.classify_ms)} | ${f(v.frame_ms)} | ${f(v.fps, 1)} |`);
    }
    const later = Object.values(r.realtime).find((v) => v.source);
    if (later) L.push("", `Rows marked with a run's date were measured then, by \`npm run bench\` on later code (${later.source}); the others in this file's run.`);
    if (r.browser && !r.browser.skipped) {
      const b = r.browser, m = b.medianMs ?? {};
      L.push("", `Browser (headless Chromium ${b.chromium ?? ""}, the web demo's pipeline in a worker, Haar at the real-time settings, the same frame, ${b.n} frames): detection ${f(m.detect)} ms, classification ${f(m.classify)} ms, frame ${f(m.total)} ms: **${f(b.fps, 1)} frames/s**${b.scan ? `; the worker's detector ran ${b.scan.compiledScales > 0 ? "compiled for the frame" : "its generic scan"} on the last frame` : ""}.`);
    } else if (r.browser?.skipped) L.push("", `Browser: ${r.browser.skipped}`);
    if (r.browser_yunet && !r.browser_yunet.skipped) {
      const b = r.browser_yunet, m = b.medianMs ?? {};
      L.push("", `Browser with YuNet (the demo's default, the whole frame${b.date ? `; ${b.date.slice(0, 16)} run, ${b.source}` : ""}): detection ${f(m.detect)} ms, classification ${f(m.classify)} ms, frame ${f(m.total)} ms: **${f(b.fps, 1)} frames/s**.`);
    }
    const t = r.browser_threads;
    if (t && !t.skipped) L.push("", `Browser, the quantized model at batch 1 in a cross-origin-isolated page (\`node benchmarks/browser.mjs --threads\`): one thread ${f(t.one_thread_ms, 3)} ms, two threads (\`setThreads(2)\`, a Web Worker) ${f(t.two_threads_ms, 3)} ms: ×${f(t.speedup)}; the two give ${t.same ? "the same bits" : "DIFFERENT outputs"}.`);
    L.push("");
  }

  if (r.detect && !r.detect.skipped) {
    const d = r.detect;
    const nat = d.native && !d.native.skipped ? d.native : null;
    L.push(`## Face detection: ${d.frame}, ${d.cascade}, ours vs OpenCV.js ${d.opencvjs}${nat ? ` and native OpenCV ${nat.opencv}` : ""} (same run, same parameters)`, "");
    L.push(
      "Medians in ms per frame, RGBA to boxes. *ours*: one thread, the cascade compiled for the frame (`FaceDetector({ compile: \"always\" })`: what a stream runs from its tenth frame of a size on); *generic*: one thread, `FaceDetector({ compile: false })`, what runs where compiling is refused; *2 threads*: `createDetectorPool({ workers: 1, compile: \"always\" })`, the calling thread and one worker. Engines alternate over " +
        `${d.rounds ?? 1} round(s), so a drift in the machine's speed falls on each alike.`,
      "",
    );
    L.push("| settings | ours | generic | 2 threads | OpenCV.js | native OpenCV, 1 thread | vs OpenCV.js | vs native | same boxes |", "|---|---:|---:|---:|---:|---:|---:|---:|:---:|");
    for (const [k, v] of Object.entries(d.cases)) {
      const cells = [f(v.oursMs), v.genericMs === undefined ? "–" : f(v.genericMs), v.poolMs === undefined ? "–" : f(v.poolMs), f(v.opencvjsMs), v.nativeMs == null ? "–" : f(v.nativeMs)];
      L.push(`| ${k}: ${Object.entries(v.options).map(([a, b]) => `${a} ${b}`).join(", ")} | ${cells.join(" | ")} | ×${f(v.speedup)} | ${v.nativeSpeedup == null ? "–" : `×${f(v.nativeSpeedup)}`} | ${v.sameBoxes ? "yes" : "**no**"} |`);
    }
    L.push(
      "",
      nat
        ? `Native OpenCV: \`${nat.python} benchmarks/peers/opencv-native.py\` (cv2.setNumThreads(1): ${nat.threads} thread), run once a round beside the others on the same RGBA frame, grey conversion included as for the others.`
        : (d.native?.skipped ?? "Native OpenCV was not measured in this run."),
      "",
    );
  } else if (r.detect?.skipped) L.push("## Face detection", "", r.detect.skipped, "");

  L.push(...renderVideo(r.video), ...renderQueue(r.queue));

  const s = r.separable;
  L.push("## Normal vs separable convolutions (the nine conv layers)", "");
  L.push(`Multiplications: ${s.macs_normal.toLocaleString("en-US")} vs ${s.macs_separable.toLocaleString("en-US")}, ratio ${f(s.mult_ratio)}.`, "");
  L.push("| implementation | normal 3×3 (ms) | separable (ms) | measured speed-up |", "|---|---:|---:|---:|");
  L.push(`| SIMD WASM | ${f(s.wasm.normal_ms, 3)} | ${f(s.wasm.separable_ms, 3)} | ×${f(s.wasm.speedup)} |`);
  if (s.naive_js) L.push(`| naive JavaScript | ${f(s.naive_js.normal_ms, 1)} | ${f(s.naive_js.separable_ms, 1)} | ×${f(s.naive_js.speedup)} |`);
  L.push("", `SIMD WASM (plain-SIMD build): normal convolution runs at ${f(s.wasm.normal_gmacs)} G multiply-adds/s, separable at ${f(s.wasm.separable_gmacs)}.` +
    (s.wasm.rounds_speedup ? ` The two alternate in ${s.wasm.rounds_speedup.length} rounds; the speed-up is the median of the rounds' ratios (${s.wasm.rounds_speedup.map((x) => "×" + f(x)).join(", ")}).` : ""), "");

  if (r.kernels) {
    L.push("## Kernels at each layer shape (G multiply-adds per second)", "");
    const builds = Object.keys(r.kernels[0].pointwise).filter((k) => !["shape", "macs"].includes(k));
    L.push(`| layer | kernel | shape | ${builds.join(" | ")} |`, `|---|---|---|${builds.map(() => "---:").join("|")}|`);
    for (const row of r.kernels) {
      for (const kind of ["pointwise", "depthwise"]) L.push(`| ${row.layer} | ${kind} | ${row[kind].shape} | ${builds.map((b) => f(row[kind][b])).join(" | ")} |`);
    }
    L.push("");
  }

  for (let [key, what] of [["profile", "f32"], ["profile_quantized", "quantized, 12-bit"], ["profile_quantized_integer", "quantized, 12-bit"]]) {
    const p = r[key];
    if (!p) continue;
    if (p.program) what += `, ${p.program} program`;
    L.push(`## Profile of one face, ${what} (${p.variant} build): where the time goes`, "");
    L.push("| op | shape | µs | share | G MAC/s |", "|---|---|---:|---:|---:|");
    for (const o of p.ops) L.push(`| ${o.op} | ${o.shape} | ${f(o.us, 1)} | ${f(o.share * 100, 1)} % | ${f(o.gmacs)} |`);
    L.push("", `Sum of ops: ${f(p.total_us, 0)} µs.`, "");
  }

  if (r.training) {
    const tr = r.training;
    L.push("## Training throughput: whole steps of batch 64 on both cores", "");
    L.push("Forward in training mode (ghost batch norm of 32), label-smoothed loss, backward, Adam; random faces in memory on both sides.",
      `Ours on ${tr.workers} worker_threads (\`${tr.resezap.build}\` build) and PyTorch on ${tr.workers} threads alternate in rounds of ${tr.steps_per_round} steps (medians; \`node --experimental-wasm-relaxed-simd benchmarks/train-speed.mjs\`).`, "");
    L.push("| engine | images/s | rounds | epoch of 28,709 faces |", "|---|---:|---|---:|");
    L.push(`| resezap | ${tr.resezap.images_per_s} | ${tr.resezap.rounds.join(", ")} | ${tr.epoch_s} s |`);
    if (tr.pytorch?.images_per_s) L.push(`| ${tr.pytorch.engine} (Debian python3-torch), ${tr.pytorch.threads} threads | ${tr.pytorch.images_per_s} | ${tr.pytorch.rounds.join(", ")} | ${Math.round(28709 / tr.pytorch.images_per_s)} s |`);
    else if (tr.pytorch?.skipped) L.push(`| PyTorch | — | ${tr.pytorch.skipped} | — |`);
    L.push("");
    if (tr.ratio) L.push(`Ours / PyTorch: ×${f(tr.ratio)}.`, "");
  }
  if (r.ceiling) L.push(...renderCeiling(r, best, h));
  L.push("## Targets", "");
  const pw = r.kernels ? Math.max(...r.kernels.map((k) => Math.max(k.pointwise.simd ?? 0, k.pointwise.relaxed ?? 0))) : null;
  const t = [
    ["f32 batch 1 latency ≤ 0.5 ms (one core)", `${f(best.batch1_ms, 3)} ms`, best.batch1_ms <= TARGETS.batch1_ms],
    ["pointwise ≥ 20 G MAC/s (best layer)", pw === null ? "—" : `${f(pw)}`, pw === null ? null : pw >= TARGETS.pointwise_gmacs],
    ["separable speed-up ≥ ×6 (SIMD WASM)", `×${f(s.wasm.speedup)}`, s.wasm.speedup >= TARGETS.separable_speedup],
    ["2 workers ≥ ×1.8 one worker (batch 256)", `×${f(net.pool_scaling)}`, net.pool_scaling >= TARGETS.pool_scaling],
  ];
  // issue 19's: the quantized model as the CLI runs it (the relaxed build where there is one)
  const qd = net.int8?.relaxed ?? net.int8?.simd;
  if (qd) {
    t.push([`quantized (${qd.program ?? "integer"} program) batch 1 ≤ 0.5 ms (one core)`, `${f(qd.int8_batch1_ms, 3)} ms`, qd.int8_batch1_ms <= TARGETS.batch1_ms]);
    t.push(["quantized, two threads ≥ ×1.5 one thread (batch 1)", `×${f(qd.threads_speedup_batch1)} (${f(qd.int8_2threads_batch1_ms, 3)} ms)`, qd.threads_speedup_batch1 >= 1.5]);
  }
  if (h && !h.error) {
    // the alternating rounds' ratios
    // (native ORT int8 is shown beside the others, not a target of issue 19; resezap-int8 is ours)
    const peerTargets = (ratios, what) => {
      for (const [k, q] of Object.entries(ratios ?? {})) {
        if (h.quantized_peers?.[k] || k.startsWith("resezap")) continue;
        const need = k === "ort-node" ? 1 : TARGETS.peer_ratio;
        t.push([`${what} ≥ ×${need} ${k}, batch 1 and 64 (head to head)`, `×${f(q.batch1)} / ×${f(q.batch64)}`, q.batch1 >= need && q.batch64 >= need]);
      }
    };
    peerTargets(h.ratios, "f32");
    peerTargets(h.ratios_int8, "quantized");
  } else {
    for (const [k, v] of Object.entries(r.peers && !r.peers.error ? r.peers : {})) {
      if (v.error) continue;
      const need = k === "ort-node" || k === "tfjs-cpu" ? 1 : TARGETS.peer_ratio;
      if (k === "tfjs-cpu" || k === "ort-node-int8") continue;
      const r1 = ratio(v.batch1_ms, best.batch1_ms), r64 = ratio(best.batch64_per_s, v.batch64_per_s);
      t.push([`≥ ×${need} ${k}, batch 1 and 64`, `×${f(r1)} / ×${f(r64)}`, r1 >= need && r64 >= need]);
    }
  }
  if (r.detect?.cases) {
    for (const [k, v] of Object.entries(r.detect.cases)) t.push([`detection ≥ ×1.5 OpenCV.js (${k})`, `×${f(v.speedup)}`, v.speedup >= 1.5]);
    for (const [k, v] of Object.entries(r.detect.cases)) if (v.nativeSpeedup != null) t.push([`detection as fast as native OpenCV, one thread (${k})`, `×${f(v.nativeSpeedup)}`, v.nativeSpeedup >= 1]);
    const rt = r.detect.cases.realtime;
    if (rt) t.push(["detection < 10 ms at real-time settings, one thread", `${f(rt.oursMs)} ms`, rt.oursMs < 10]);
    if (rt?.poolMs !== undefined) t.push(["detection < 10 ms at real-time settings, two threads", `${f(rt.poolMs)} ms`, rt.poolMs < 10]);
  }
  if (r.training) {
    const tr = r.training;
    t.push(["training ≥ 240 images/s on both cores (an epoch of FER2013 in 120 s)", `${tr.resezap.images_per_s} (${tr.epoch_s} s per epoch)`, tr.resezap.images_per_s >= 240]);
    if (tr.ratio) t.push(["training faster than PyTorch measured in the same run", `×${f(tr.ratio)}`, tr.ratio > 1]);
  }
  if (r.realtime) t.push(["≥ 30 frames/s at 640×480, real-time settings (Node, one core)", `${f(r.realtime.realtime.fps, 1)}`, r.realtime.realtime.fps >= 30]);
  if (r.browser?.fps) t.push(["≥ 30 frames/s at 640×480, real-time settings (browser worker)", `${f(r.browser.fps, 1)}`, r.browser.fps >= 30]);
  for (const [key, size] of [["yunet", "640×480"], ["yunet320", "320×256"]]) {
    const q = r.generalModels?.[key]?.ratios?.["ort-web"]?.batch1;
    if (q) t.push([`YuNet ≥ ×3 ORT Web at ${size}, one thread (bounded by the 128-bit f32 ceiling: docs/benchmarks.md)`, `×${f(q)}`, q >= 3]);
  }
  if (r.realtime?.yunet) t.push(["YuNet default: ≥ 60 frames/s at 640×480, whole frame (Node, one core)", `${f(r.realtime.yunet.fps, 1)}`, r.realtime.yunet.fps >= 60]);
  if (r.browser_yunet?.fps) t.push(["YuNet default: ≥ 30 frames/s at 640×480 (browser worker)", `${f(r.browser_yunet.fps, 1)}`, r.browser_yunet.fps >= 30]);
  L.push("| target | measured | met |", "|---|---:|:---:|");
  for (const [name, v, ok] of t) L.push(`| ${name} | ${v} | ${ok === null ? "—" : ok ? "yes" : "**no**"} |`);
  L.push("");
  if (r.notes) L.push(r.notes, "");
  return L.join("\n");
}

// What the machine allows: the multiply-add ceiling of each build, the least time the network's
// multiply-adds can take at it, and the rate each speed target asks for, beside the ceiling.
function renderCeiling(r, best, h) {
  const c = r.ceiling, L = [];
  const macs = c.network_macs, g = (ms) => macs / ms / 1e6;
  // the head-to-head rounds measure the ceiling too (same rounds as the engines): preferred where present
  const hc = h && !h.error && h.ceiling ? h.ceiling : null;
  const top = hc ? { gmacs: hc.gmacs } : c.relaxed ?? c.simd;
  const topName = (hc ? hc.build === "relaxed" : !!c.relaxed) ? "relaxed SIMD (fused multiply-add)" : "plain SIMD";
  L.push("## The machine's ceiling", "");
  L.push(`Multiply-adds per second of 128-bit WASM SIMD with nothing but arithmetic in the loop (12 independent f32x4 chains in registers, \`node --experimental-wasm-relaxed-simd benchmarks/ceiling.mjs\`), and the least time ResEZAP's ${macs.toLocaleString("en-US")} multiply-adds can take at that rate, before any load, store, border or pooling:`, "");
  L.push("| build | ceiling (G MAC/s) | network at the ceiling (ms a face) | with the pointwise's loads (G MAC/s) | share of the ceiling |", "|---|---:|---:|---:|---:|");
  // the plain build's ceiling kernel multiplies and adds in one dependent chain (a ← a·k + m), which makes it
  // latency-bound: it is not a bound where the relaxed one was measured (its loads' row can pass it)
  for (const k of c.relaxed ? ["relaxed"] : ["simd"]) {
    if (c[k]) L.push(`| ${k} | ${f(c[k].gmacs)} | ${f(c[k].network_floor_ms, 3)} | ${c[k].load_gmacs === undefined ? "—" : f(c[k].load_gmacs)} | ${c[k].load_share === undefined ? "—" : `${f(c[k].load_share * 100, 0)} %`} |`);
  }
  L.push("");
  if (c.relaxed && c.simd) {
    const sl = c.simd.load_gmacs === undefined ? "—" : f(c.simd.load_gmacs);
    L.push(`The plain-SIMD build (a multiply then an add) is held to the relaxed rate too: its multiplies issue where the fused ones do, and its loads' loop ran at ${sl} G MAC/s here. Its own run of the ceiling kernel, ${f(c.simd.gmacs)} G MAC/s, is not a bound: there the multiply sits in each chain with the add (a ← a·k + m, two latencies a step), while the kernels' products are independent of their sums.`, "");
  }
  L.push("*With the pointwise's loads*: the same multiply-adds fed as the pointwise kernel's inner loop feeds them (two weight vectors and four broadcast inputs from L1 for every 8, into 8 sums; `multiplyAddLoadCeiling`), with no other work: where it falls short of the ceiling, loading from L1 costs on this machine in this run, whatever the kernels" +
    (hc && hc.rounds_load_gmacs ? `; in the head-to-head rounds it ran at ${hc.rounds_load_gmacs.map((x, i) => `${f(x)} (${f((x / hc.rounds_gmacs[i]) * 100, 0)} %)`).join(", ")}.` : "."), "");
  const rows = [];
  const ours1 = h && !h.error ? h.engines.resezap.batch1_ms : best.batch1_ms;
  rows.push(["resezap batch 1, this run" + (h && !h.error ? " (head to head)" : ""), `${f(ours1, 3)} ms`, g(ours1)]);
  rows.push(["target: ≤ 0.5 ms a face", "0.500 ms", g(0.5)]);
  if (h && !h.error) {
    const e = h.engines;
    if (e["ort-node"]) rows.push(["target: as fast as native ONNX Runtime, batch 1", `${f(e["ort-node"].batch1_ms, 3)} ms`, g(e["ort-node"].batch1_ms)]);
    if (e["ort-node"]) rows.push(["target: as fast as native ONNX Runtime, batch 64", `${f(1000 / e["ort-node"].batch64_per_s, 3)} ms`, g(1000 / e["ort-node"].batch64_per_s)]);
    for (const k of ["ort-web", "tfjs-wasm"]) {
      if (!e[k]) continue;
      rows.push([`target: ×5 ${k}, batch 1`, `${f(e[k].batch1_ms / 5, 3)} ms`, g(e[k].batch1_ms / 5)]);
      rows.push([`target: ×5 ${k}, batch 64`, `${f(1000 / e[k].batch64_per_s / 5, 3)} ms`, g(1000 / e[k].batch64_per_s / 5)]);
    }
  }
  L.push(`What each asks for, as the rate the network's multiply-adds would have to run at, against the ${topName} ceiling of ${f(top.gmacs)} G MAC/s ` +
    (hc ? `(the median of the head-to-head rounds, which measured it between the engines: ${hc.rounds_gmacs.map((x) => f(x)).join(", ")}):` : "(measured above):"), "");
  L.push("| | time a face | G MAC/s it takes | share of the ceiling |", "|---|---:|---:|---:|");
  for (const [name, t, rate] of rows) L.push(`| ${name} | ${t} | ${f(rate)} | ${f((rate / top.gmacs) * 100, 0)} % |`);
  L.push("", "A row above 100 % asks for more multiply-adds a second than 128-bit SIMD issues on this machine, whatever the kernels.", "");
  return L;
}

// `resezap video`'s frames/s, whole and by part (benchmarks/video.mjs).
function renderVideo(v) {
  if (!v) return [];
  if (v.skipped) return ["## Video files", "", `not measured: ${v.skipped}`, ""];
  const c = v.clip, st = v.stages;
  const L = [`## Video files: \`resezap video\` on a ${c.width}×${c.height} clip`, ""];
  L.push(`Measured ${v.date} with \`${v.command}\` on ${v.cores} cores (${v.cpu}; CPU flags: ${v.cpu_flags}). The clip: ${c.frames} frames at ${c.fps} frames/s (${c.codecs}), ${c.faces_per_frame} faces a frame, made with FFmpeg from fixture photos. *Pipeline* is \`analyzeVideo()\` on every frame writing the annotated video, what \`resezap video clip.mp4 --out annotated.mp4\` runs; each other row is one part alone over the same frames. Medians of ${v.rounds} round(s). FFmpeg decodes and encodes in processes of its own, beside Node: the pipeline's time is not the sum of its parts' (${f(v.sum_of_parts_ms_per_frame)} ms a frame), which overlap while a core is free and compete for the cores when none is.`, "");
  L.push("| stage | frames/s | ms a frame |", "|---|---:|---:|");
  const rows = [["**pipeline**: decode, detect, classify, draw, encode", st.pipeline], ["decode (FFmpeg, raw RGB over the pipe, read and dropped)", st.decode], ["detect (YuNet, whole frame)", st.detect], ["classify (the emotion model on the faces found)", st.classify], ["draw and encode (boxes, labels, track ids; FFmpeg, H.264)", st.draw_encode]];
  for (const [name, x] of rows) L.push(`| ${name} | ${f(x.fps, 1)} | ${f(x.ms_per_frame)} |`);
  L.push("");
  return L;
}

// Worker processes against one Redis (benchmarks/queue.mjs).
function renderQueue(q) {
  if (!q) return [];
  if (q.skipped) return ["## Workers on one Redis", "", `not measured: ${q.skipped}`, ""];
  const L = [`## Workers on one Redis: ${Object.keys(q.workers).join(", ")} \`resezap worker\` processes, on ${q.cores} cores`, ""];
  L.push(`Measured ${q.date} with \`${q.command}\` on ${q.cores} cores (${q.cpu}). ${q.jobs} jobs, each a ${q.clip.seconds} s ${q.clip.width}×${q.clip.height} clip (${q.clip.frames} frames), added with \`enqueue()\` to a redis-server on this machine; each worker a process taking one job at a time. Jobs/s from the enqueue to the last job done, each worker's model load in its first job; medians of ${q.rounds} round(s), the order of the worker counts turning each round. Workers beyond ${q.cores} share the ${q.cores} cores, so they cannot go faster here.`, "");
  L.push("| workers | jobs/s | frames/s | × one worker | a job (ms, median) |", "|---:|---:|---:|---:|---:|");
  for (const [w, x] of Object.entries(q.workers)) L.push(`| ${w} | ${f(x.jobs_per_s)} | ${f(x.frames_per_s, 1)} | ${w === "1" ? "" : `×${f(q.scaling[w])}`} | ${f(x.job_ms, 0)} |`);
  L.push("");
  return L;
}
