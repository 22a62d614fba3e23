// The packed cascade's layout is defined once, for AssemblyScript and TypeScript alike, in src/abi/haar.ts.
export * from "../../src/abi/haar";
