// The WASM byte writer the cascade compiler (src/detect/jit.ts) emits its modules with.
import { describe, expect, it } from "vitest";
import { Bytes } from "../src/detect/wasm-emit.js";

describe("wasm-emit", () => {
  const hex = (f: (b: Bytes) => void) => {
    const b = new Bytes();
    f(b);
    return Array.from(b.view(), (x) => x.toString(16).padStart(2, "0")).join(" ");
  };
  it("encodes LEB128 as the spec's examples", () => {
    expect(hex((b) => b.u32(624485))).toBe("e5 8e 26");
    expect(hex((b) => b.u32(0))).toBe("00");
    expect(hex((b) => b.u32(0xffffffff))).toBe("ff ff ff ff 0f");
    expect(hex((b) => b.s32(-123456))).toBe("c0 bb 78");
    expect(hex((b) => b.s32(63))).toBe("3f");
    expect(hex((b) => b.s32(64))).toBe("c0 00");
    expect(hex((b) => b.s32(-64))).toBe("40");
    expect(hex((b) => b.s32(-65))).toBe("bf 7f");
    expect(hex((b) => b.s32(-2147483648))).toBe("80 80 80 80 78");
    expect(hex((b) => b.s32(2147483647))).toBe("ff ff ff ff 07");
    // one past each end refused
    for (const v of [-1, 2 ** 32]) expect(() => new Bytes().u32(v)).toThrow(`wasm-emit: ${v} is not a u32`);
    for (const v of [-(2 ** 31) - 1, 2 ** 31]) expect(() => new Bytes().s32(v)).toThrow(`wasm-emit: ${v} is not an i32`);
  });
});
