// The paper's figures, computed from the built models' shapes (src/count.ts has no constants).
import { describe, expect, it } from "vitest";
import { countOps, formatCount, resezap } from "../src/index.js";

describe("countOps: the paper's multiplication and parameter counts", () => {
  const sep = countOps(resezap());
  const normal = countOps(resezap({ conv: "normal" }));

  it("first layer: 609,408 normal vs 86,756 = 19,044 + 67,712 separable", () => {
    const l = sep.layers[0];
    expect(l.name).toBe("block1_sepconv1");
    expect(l.normal).toBe(609_408);
    expect(l.depthwise).toBe(19_044);
    expect(l.pointwise).toBe(67_712);
    expect(l.separable).toBe(86_756);
    // The paper prints this difference as 521,652: a slip. 609,408 − 86,756 is 522,652.
    expect(l.normal - l.separable).toBe(522_652);
  });

  it("nine conv layers: 130,075,776 vs 16,909,540 (difference 113,166,236)", () => {
    expect(sep.layers).toHaveLength(9);
    expect(sep.total.normal).toBe(130_075_776);
    expect(sep.total.separable).toBe(16_909_540);
    expect(sep.total.normal - sep.total.separable).toBe(113_166_236);
  });

  it("parameters: 54,480 separable, 345,319 normal (difference 290,839)", () => {
    expect(sep.total.params).toBe(54_480);
    expect(sep.total.paramsNormal).toBe(345_319);
    expect(sep.total.paramsNormal - sep.total.params).toBe(290_839);
    // the normal-convolution model, built and counted on its own, agrees
    expect(normal.total.params).toBe(345_319);
    expect(resezap({ conv: "normal" }).countParams()).toBe(345_319);
    expect(normal.total.normal).toBe(130_075_776);
    // both ways, whichever way the model was built: a normal build does not print "difference 0"
    for (const c of [sep, normal]) {
      expect([c.total.paramsNormal, c.total.paramsSeparable]).toEqual([345_319, 54_480]);
      expect(formatCount(c)).toMatch(/^parameters: normal 345,319, separable 54,480, difference 290,839 \(\d{2,3},\d{3} as built\)$/m);
    }
  });

  it("counts follow the shapes: a narrower ResEZAP gives other numbers", () => {
    const small = countOps(resezap({ filters: [8, 16, 24] }));
    expect(small.layers[0].pointwise).toBe(46 * 46 * 1 * 8);
    expect(small.total.separable).not.toBe(16_909_540);
  });
});
