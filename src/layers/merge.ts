import { ModelFormatError } from "../errors.js";
import type { CTensor, Emitter, Fusion } from "../engine/emitter.js";
import { Op } from "../abi/nn.js";
import { addRef } from "../reference/kernels.js";
import { Layer, type LayerArgs, type Shape } from "./layer.js";

/** Element-wise sum of inputs of one shape: the residual join. A following ReLU fuses into it. */
export class Add extends Layer {
  readonly className = "Add";
  constructor(args: LayerArgs = {}) {
    super(args, "add");
  }
  static fromConfig(c: Record<string, any>): Add {
    return new Add({ name: c.name });
  }
  arity(): "many" {
    return "many";
  }
  outputShape(shapes: Shape[]): Shape {
    if (shapes.length < 2) throw new ModelFormatError(`layer ${this.name} (Add): expected at least 2 inputs, found ${shapes.length}`);
    for (const s of shapes) {
      if (s.join() !== shapes[0].join()) {
        throw new ModelFormatError(`layer ${this.name} (Add): input shapes differ: [${shapes[0].join(", ")}] and [${s.join(", ")}]`);
      }
    }
    return shapes[0];
  }
  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
  canFuseRelu(): boolean {
    return true;
  }
  reference(xs: Float32Array[]): Float32Array {
    return xs.slice(1).reduce((a, b) => addRef(a, b), xs[0]);
  }
  emit(ctx: Emitter, xs: CTensor[], out: CTensor, fuse: Fusion): void {
    for (let i = 1; i < xs.length; i++) {
      const last = i === xs.length - 1;
      ctx.op(Op.Add, i === 1 ? xs[0].ptr : out.ptr, xs[i].ptr, out.size, out.ptr, last && fuse.relu ? 1 : 0);
    }
  }
}
