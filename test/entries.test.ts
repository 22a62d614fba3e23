// The Node and browser entries both re-export the shared API (src/api.ts): every name it exports must be exported,
// as the same object, by both, so neither entry can lose one (browser.ts once dropped classifyBoxes). And each
// entry's own extras are the ones it documents, so nothing Node-only leaks into the browser entry.
import { describe, expect, it } from "vitest";
import * as api from "../src/api.js";
import * as browser from "../src/browser.js";
import * as node from "../src/index.js";

const names = Object.keys(api).sort();
const extras = (entry: object) => Object.keys(entry).filter((k) => !(k in api)).sort();

describe("entries", () => {
  it("the shared API is the bulk of the library, classifyBoxes included", () => {
    expect(names.length).toBeGreaterThan(60);
    expect(names).toContain("classifyBoxes");
  });

  it.each([["src/index.ts", node], ["src/browser.ts", browser]] as const)("%s exports every name of src/api.ts, the same object", (_, entry) => {
    const record = entry as unknown as Record<string, unknown>;
    for (const n of names) expect(record[n], n).toBe((api as Record<string, unknown>)[n]);
  });

  it("each entry adds only its own extras", () => {
    expect(extras(node)).toEqual(["DEFAULT_QUEUE", "FaceTracker", "ProbabilitySmoother", "TrackSummary", "analyzeVideo", "connectRedis", "createDetectorPool", "createPool", "decodeImage", "decodeJpeg", "decodePng", "enableRelaxedSimd", "encodePng", "enqueue", "loadQuantizedModel", "probeVideo", "quantizedArtifacts", "quantizedFromModel", "queueStatus", "saveLayersModel", "saveQuantizedModel", "startWorker", "timelinePng"]);
    expect(extras(browser)).toEqual(["drawResults"]);
  });
});
