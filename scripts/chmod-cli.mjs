// tsc drops the executable bit; npm links bin entries itself, but `./dist/cli.js` run directly needs it.
import { chmodSync, existsSync } from "node:fs";
if (existsSync("dist/cli.js")) chmodSync("dist/cli.js", 0o755);
