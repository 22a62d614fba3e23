import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../src/errors.js";
import { defaultCascade, loadCascade, MAX_CASCADE_XML_CHARS } from "../src/detect/index.js";

const DEFAULT_XML = readFileSync(new URL("../models/haarcascades/haarcascade_frontalface_default.xml", import.meta.url), "utf8");

// A tiny valid cascade: one stage, one tree of two nodes, a tilted and an upright feature.
function tinyCascade(opts: { tilted?: string; stages?: string; rect?: string } = {}): string {
  const stages =
    opts.stages ??
    `<_><maxWeakCount>1</maxWeakCount><stageThreshold>-1.5</stageThreshold><weakClassifiers>
        <_><internalNodes>0 1 0 0.25 -1 -2 1 -0.5</internalNodes><leafValues>0.1 -0.2 0.3</leafValues></_>
      </weakClassifiers></_>`;
  return `<?xml version="1.0"?>
<!-- test cascade -->
<opencv_storage>
<cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
  <featureType>HAAR</featureType>
  <height>20</height>
  <width>20</width>
  <featureParams><maxCatCount>0</maxCatCount></featureParams>
  <stages>${stages}</stages>
  <features>
    <_><rects><_>${opts.rect ?? "8 2 6 4 -1."}</_><_>9 3 4 2 2.</_></rects><tilted>${opts.tilted ?? "1"}</tilted></_>
    <_><rects><_>0 0 20 10 -1.</_><_>0 10 20 10 1.</_></rects><tilted>0</tilted></_>
  </features>
</cascade>
</opencv_storage>
`;
}

function expectFormatError(f: () => unknown, re: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelFormatError);
  expect((err as Error).message).toMatch(re);
}

describe("cascade XML", () => {
  it("reads the shipped frontalface_default: 25 stump stages, 24×24", () => {
    const c = defaultCascade();
    expect(c.width).toBe(24);
    expect(c.height).toBe(24);
    expect(c.stumps).toBe(true);
    expect(c.hasTilted).toBe(false);
    expect(c.stageTrees.length).toBe(25);
    expect(c.stageTrees[0]).toBe(9);
    expect(c.nodeLeft.length).toBe(c.stageTrees.reduce((a, b) => a + b, 0));
    // OpenCV stores the stage threshold as f32 less 1e-5.
    expect(c.stageThreshold[0]).toBe(Math.fround(Math.fround(-5.0425500869750977) - Math.fround(1e-5)));
    expect(defaultCascade()).toBe(c);
  });

  it("reads tree weak classifiers and tilted features", () => {
    const c = loadCascade(tinyCascade());
    expect(c.stumps).toBe(false);
    expect(c.hasTilted).toBe(true);
    expect([...c.featureTilted]).toEqual([1, 0]);
    expect([...c.featureRects.slice(0, 8)]).toEqual([8, 2, 6, 4, 9, 3, 4, 2]);
    expect([...c.featureWeights.slice(0, 3)]).toEqual([-1, 2, 0]);
    expect([...c.nodeLeft]).toEqual([0, -1]);
    expect([...c.nodeRight]).toEqual([1, -2]);
    expect([...c.leaves]).toEqual([0.1, -0.2, 0.3].map(Math.fround));
  });

  it("refuses a tilted rectangle that leaves the window", () => {
    expectFormatError(() => loadCascade(tinyCascade({ rect: "2 2 6 4 -1." })), /line \d+: <_>: feature 0 rectangle 0 .*tilted.* not inside the 20×20 window/);
  });

  it("names the line of a mismatched closing tag", () => {
    const xml = DEFAULT_XML.replace("</stageThreshold>", "</stageThreshol>");
    expectFormatError(() => loadCascade(xml, "bad.xml"), /^bad\.xml: line 58: <\/stageThreshol> does not match <stageThreshold> opened on line 58/);
  });

  it("reports a truncated file with the element left open", () => {
    const xml = DEFAULT_XML.slice(0, Math.floor(DEFAULT_XML.length / 2));
    expectFormatError(() => loadCascade(xml, "cut.xml"), /^cut\.xml: (truncated: <\w+> opened on line \d+ is not closed|line \d+: .*truncated)/);
    // Cut inside a tag, too.
    expectFormatError(() => loadCascade(DEFAULT_XML.slice(0, DEFAULT_XML.indexOf("<stages>") + 4)), /line \d+: tag <sta\w*> is cut off \(truncated file\?\)/);
  });

  it("refuses a cascade with no stages", () => {
    expectFormatError(() => loadCascade(tinyCascade({ stages: "" })), /<stages>: the cascade has no stages/);
  });

  it("names a missing field and a bad number", () => {
    expectFormatError(() => loadCascade(DEFAULT_XML.replace("<width>24</width>", "")), /line \d+: <cascade>: missing <width>/);
    expectFormatError(() => loadCascade(DEFAULT_XML.replace("-5.0425500869750977e+00", "abc")), /line 58: <stageThreshold>: "abc" is not a number/);
  });

  it("refuses bad tree links, feature indices and old-format cascades", () => {
    const loop = tinyCascade({
      stages: `<_><stageThreshold>0</stageThreshold><weakClassifiers><_><internalNodes>0 1 0 0.25 0 -2 1 -0.5 5</internalNodes><leafValues>1 2 3</leafValues></_></weakClassifiers></_>`,
    });
    expectFormatError(() => loadCascade(loop), /groups of 4/);
    const back = tinyCascade({
      stages: `<_><stageThreshold>0</stageThreshold><weakClassifiers><_><internalNodes>0 1 0 0.25 1 -2 1 -0.5</internalNodes><leafValues>1 2 3</leafValues></_></weakClassifiers></_>`,
    });
    expectFormatError(() => loadCascade(back), /node 1: child 1 is not a later node or a leaf/);
    const feat = tinyCascade({
      stages: `<_><stageThreshold>0</stageThreshold><weakClassifiers><_><internalNodes>0 -1 7 0.25</internalNodes><leafValues>1 2</leafValues></_></weakClassifiers></_>`,
    });
    expectFormatError(() => loadCascade(feat), /feature index 7 is out of range \(2 features\)/);
    // at the edge: index 1 of 2 features is the last valid one, 2 the first invalid one
    const at = (f: number) => tinyCascade({
      stages: `<_><stageThreshold>0</stageThreshold><weakClassifiers><_><internalNodes>0 -1 ${f} 0.25</internalNodes><leafValues>1 2</leafValues></_></weakClassifiers></_>`,
    });
    expect(Array.from(loadCascade(at(1)).nodeFeature)).toEqual([1]);
    expectFormatError(() => loadCascade(at(2)), /feature index 2 is out of range \(2 features\)/);
    expectFormatError(() => loadCascade(at(-1)), /feature index -1 is out of range \(2 features\)/);
    expectFormatError(() => loadCascade(`<opencv_storage><c type_id="opencv-haar-classifier"/></opencv_storage>`), /old-format cascade/);
  });

  it("checks each range at its edge: the last valid and the first invalid value", () => {
    // window 2..1024 a side: one 2×2 feature in a 2×2 window, then 1×1; 1024 and 1025 wide
    const window = (w: number, h: number, rect: string) =>
      tinyCascade({ stages: `<_><stageThreshold>0</stageThreshold><weakClassifiers><_><internalNodes>0 -1 0 0.25</internalNodes><leafValues>1 2</leafValues></_></weakClassifiers></_>` })
        .replace("<height>20</height>", `<height>${h}</height>`).replace("<width>20</width>", `<width>${w}</width>`)
        .replace(/<features>[\s\S]*<\/features>/, `<features><_><rects><_>${rect} 1.</_></rects><tilted>0</tilted></_></features>`);
    expect(loadCascade(window(2, 2, "0 0 2 2")).width).toBe(2);
    expectFormatError(() => loadCascade(window(1, 2, "0 0 1 1")), /window 1×2, expected 2 to 1024 pixels a side/);
    expectFormatError(() => loadCascade(window(2, 1, "0 0 1 1")), /window 2×1, expected 2 to 1024/);
    expect(loadCascade(window(1024, 1024, "0 0 2 2")).height).toBe(1024);
    expectFormatError(() => loadCascade(window(1025, 20, "0 0 2 2")), /window 1025×20/);
    expectFormatError(() => loadCascade(window(20, 1025, "0 0 2 2")), /window 20×1025/);

    // 1 to 3 rectangles a feature
    const rects = (n: number) => window(20, 20, "0 0 2 2").replace(/<rects>.*<\/rects>/, `<rects>${"<_>0 0 2 2 1.</_>".repeat(n)}</rects>`);
    expect(loadCascade(rects(1)).featureRectCount[0]).toBe(1);
    expect(loadCascade(rects(3)).featureRectCount[0]).toBe(3);
    expectFormatError(() => loadCascade(rects(0)), /feature 0 has 0 rectangles, expected 1 to 3/);
    expectFormatError(() => loadCascade(rects(4)), /feature 0 has 4 rectangles, expected 1 to 3/);

    // an upright rectangle ends at the window's edge at most, on each side
    for (const ok of ["0 0 20 20", "19 19 1 1"]) expect(loadCascade(window(20, 20, ok)).featureRects[2]).toBeGreaterThan(0);
    for (const bad of ["-1 0 2 2", "0 -1 2 2", "1 0 20 2", "0 1 2 20"]) expectFormatError(() => loadCascade(window(20, 20, bad)), /feature 0 rectangle 0 .* is not inside the 20×20 window/);
    // its width and height 0 or more (an empty rectangle adds nothing)
    for (const ok of ["0 0 0 2", "0 0 2 0"]) expect(() => loadCascade(window(20, 20, ok)), ok).not.toThrow();
    for (const bad of ["0 0 -1 2", "0 0 2 -1"]) expectFormatError(() => loadCascade(window(20, 20, bad)), /feature 0 rectangle 0: x y w h must be integers, w h ≥ 0/);
    // a tilted one reads x − h ≥ 0 and y + w + h ≤ height, x + w ≤ width
    for (const ok of ["4 2 6 4", "8 10 6 4", "14 2 6 4"]) expect(loadCascade(tinyCascade({ rect: `${ok} -1.` })).featureTilted[0]).toBe(1);
    for (const bad of ["3 2 6 4", "8 11 6 4", "15 2 6 4"]) expectFormatError(() => loadCascade(tinyCascade({ rect: `${bad} -1.` })), /tilted\) is not inside the 20×20 window/);

    // a child is a later node (1..count − 1) or a leaf (0..count as −index)
    const links = (l: number, r: number) => tinyCascade({
      stages: `<_><stageThreshold>0</stageThreshold><weakClassifiers><_><internalNodes>${l} ${r} 0 0.25 -1 -2 1 -0.5</internalNodes><leafValues>1 2 3</leafValues></_></weakClassifiers></_>`,
    });
    expect(Array.from(loadCascade(links(-2, 1)).nodeLeft)).toEqual([-2, -1]);
    expectFormatError(() => loadCascade(links(-3, 1)), /node 0: child -3 is not a later node or a leaf/);
    expectFormatError(() => loadCascade(links(0, 2)), /node 0: child 2 is not a later node or a leaf/);
  });

  it("takes 10,000 stages and refuses 10,001", () => {
    const stage = `<_><stageThreshold>0</stageThreshold><weakClassifiers><_><internalNodes>0 -1 1 0.25</internalNodes><leafValues>1 2</leafValues></_></weakClassifiers></_>`;
    expect(loadCascade(tinyCascade({ stages: stage.repeat(10_000) })).stageTrees.length).toBe(10_000);
    expectFormatError(() => loadCascade(tinyCascade({ stages: stage.repeat(10_001) })), /10001 stages, over the limit of 10000/);
  });

  it("enforces the size limit before parsing", () => {
    expectFormatError(() => loadCascade(" ".repeat(MAX_CASCADE_XML_CHARS + 1)), /over the limit/);
  });
});
