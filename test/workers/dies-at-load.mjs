// A worker that dies while it loads, as a training worker does when its ghost batch outgrows the WASM memory.
import { LimitError } from "../../dist/errors.js";

throw new LimitError("WASM memory: 2 bytes needed, over the limit of 1 (a test)");
