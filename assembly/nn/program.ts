import { pointwise_4x8 } from "./pointwise";
import { depthwise3x3, depthwise3x3_relu } from "./depthwise";
import { separable3x3, separable3x3_a16 } from "./separable";
import { conv3x3_4x8 } from "./conv3x3";
import { relu, add, affine, softmax } from "./elementwise";
import { zeroPad, pool2d, globalPool } from "./pool";
import { conv2d_4x8 } from "./conv";
import { depthwise_conv } from "./dwconv";
import { activation, prelu } from "./activation";
import { binary } from "./binary";
import { blockCopy, crop2d, transpose4 } from "./copy";
import { resizeNearest, resizeBilinear } from "./resize";
import { pointwise_a16 } from "./qpointwise";
import { depthwise3x3_a16 } from "./qdepthwise";
import { add_a16, avgPool2x2_a16, quantize_a16, dequantize_a16 } from "./qelementwise";
import { Op, OP_WORDS } from "../../src/abi/nn";

// A compiled network is a program: a list of ops, each OP_WORDS i32 words (opcode, then up to
// OP_WORDS − 1 arguments: pointers into this memory and sizes), written once by the JS side (src/engine/compile.ts).
// run() executes it for every image of a batch in one call, so no per-layer call crosses the JS/WASM
// boundary. Opcodes and argument orders are defined once, in src/abi/nn.ts.

// @ts-ignore: decorator
@inline function arg(op: usize, i: i32): i32 { return load<i32>(op + (<usize>(i + 1) << 2)); }
// @ts-ignore: decorator
@inline function ptr(op: usize, i: i32): usize { return <usize>load<u32>(op + (<usize>(i + 1) << 2)); }
// @ts-ignore: decorator
@inline function f32arg(op: usize, i: i32): f32 { return load<f32>(op + (<usize>(i + 1) << 2)); }

export function execOp(op: usize): void {
  switch (load<i32>(op)) {
    case Op.Pointwise: pointwise_4x8(ptr(op, 0), arg(op, 1), arg(op, 2), ptr(op, 3), ptr(op, 4), ptr(op, 5), arg(op, 6), ptr(op, 7), arg(op, 8)); break;
    case Op.Depthwise:
      if (arg(op, 8)) depthwise3x3_relu(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), ptr(op, 5), ptr(op, 6), arg(op, 7));
      else depthwise3x3(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), ptr(op, 5), ptr(op, 6), arg(op, 7));
      break;
    case Op.Conv3x3: conv3x3_4x8(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), ptr(op, 5), ptr(op, 6), arg(op, 7)); break;
    case Op.Relu: relu(ptr(op, 0), arg(op, 1), ptr(op, 2)); break;
    case Op.Add: add(ptr(op, 0), ptr(op, 1), arg(op, 2), ptr(op, 3), arg(op, 4)); break;
    case Op.Affine: affine(ptr(op, 0), arg(op, 1), arg(op, 2), ptr(op, 3), ptr(op, 4), ptr(op, 5)); break;
    case Op.Softmax: softmax(ptr(op, 0), arg(op, 1), arg(op, 2), ptr(op, 3)); break;
    case Op.ZeroPad: zeroPad(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), arg(op, 4), arg(op, 5), arg(op, 6), arg(op, 7), ptr(op, 8)); break;
    case Op.Pool: pool2d(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), arg(op, 4), arg(op, 5), arg(op, 6), arg(op, 7),
                   arg(op, 8), arg(op, 9), arg(op, 10), arg(op, 11), ptr(op, 12), arg(op, 13)); break;
    case Op.GlobalPool: globalPool(ptr(op, 0), arg(op, 1), arg(op, 2), ptr(op, 3), arg(op, 4)); break;
    case Op.Separable: separable3x3(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), ptr(op, 5), ptr(op, 6), ptr(op, 7),
                          arg(op, 8), arg(op, 9), ptr(op, 10), arg(op, 11), ptr(op, 12), arg(op, 13)); break;
    case Op.Copy: memory.copy(ptr(op, 1), ptr(op, 0), <usize>arg(op, 2)); break;
    case Op.Conv: conv2d_4x8(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), ptr(op, 5), ptr(op, 6), arg(op, 7), arg(op, 8), arg(op, 9),
                             arg(op, 10), arg(op, 11), arg(op, 12), arg(op, 13), arg(op, 14), arg(op, 15), arg(op, 16), arg(op, 17), ptr(op, 18)); break;
    case Op.DepthwiseConv: depthwise_conv(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), ptr(op, 5), ptr(op, 6), arg(op, 7), arg(op, 8),
                                          arg(op, 9), arg(op, 10), arg(op, 11), arg(op, 12), arg(op, 13), arg(op, 14), arg(op, 15), arg(op, 16), ptr(op, 17)); break;
    case Op.Activation: activation(ptr(op, 0), arg(op, 1), ptr(op, 2), arg(op, 3), ptr(op, 4)); break;
    case Op.PRelu: prelu(ptr(op, 0), arg(op, 1), arg(op, 2), ptr(op, 3), ptr(op, 4)); break;
    case Op.Binary: binary(ptr(op, 0), arg(op, 1), arg(op, 2), ptr(op, 3), arg(op, 4), arg(op, 5), arg(op, 6), ptr(op, 7), arg(op, 8)); break;
    case Op.BlockCopy: blockCopy(ptr(op, 0), arg(op, 1), arg(op, 2), ptr(op, 3), arg(op, 4), arg(op, 5)); break;
    case Op.Crop: crop2d(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), arg(op, 4), arg(op, 5), arg(op, 6), arg(op, 7), ptr(op, 8)); break;
    case Op.ResizeNearest: resizeNearest(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), arg(op, 5), arg(op, 6), ptr(op, 7), ptr(op, 8)); break;
    case Op.ResizeBilinear: resizeBilinear(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), arg(op, 5), arg(op, 6), ptr(op, 7), ptr(op, 8)); break;
    case Op.Transpose: transpose4(ptr(op, 0), ptr(op, 1), arg(op, 2), arg(op, 3), arg(op, 4), arg(op, 5), arg(op, 6), arg(op, 7), arg(op, 8), arg(op, 9)); break;
    case Op.QQuantize: quantize_a16(ptr(op, 0), arg(op, 1), f32arg(op, 2), arg(op, 3), arg(op, 4), ptr(op, 5)); break;
    case Op.QDequantize: dequantize_a16(ptr(op, 0), arg(op, 1), f32arg(op, 2), arg(op, 3), ptr(op, 4)); break;
    case Op.QDepthwise: depthwise3x3_a16(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), arg(op, 4), ptr(op, 5), ptr(op, 6), ptr(op, 7),
                                         arg(op, 8), arg(op, 9), arg(op, 10), arg(op, 11), arg(op, 12), arg(op, 13), arg(op, 14)); break;
    case Op.SeparableA16: separable3x3_a16(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), ptr(op, 4), ptr(op, 5), ptr(op, 6), ptr(op, 7),
      arg(op, 8), arg(op, 9), ptr(op, 10), arg(op, 11), ptr(op, 12), arg(op, 13), f32arg(op, 14), arg(op, 15), arg(op, 16), arg(op, 17), arg(op, 18)); break;
    case Op.QPointwise: pointwise_a16(ptr(op, 0), arg(op, 1), arg(op, 2), ptr(op, 3), ptr(op, 4), ptr(op, 5), arg(op, 6), arg(op, 7), arg(op, 8), 0); break;
    case Op.QAdd: add_a16(ptr(op, 0), arg(op, 1), f32arg(op, 2), ptr(op, 3), arg(op, 4), f32arg(op, 5), arg(op, 6), ptr(op, 7), arg(op, 8), arg(op, 9), arg(op, 10)); break;
    case Op.QPool: avgPool2x2_a16(ptr(op, 0), arg(op, 1), arg(op, 2), arg(op, 3), arg(op, 4), arg(op, 5), arg(op, 6), arg(op, 7), arg(op, 8),
                                  f32arg(op, 9), arg(op, 10), arg(op, 11), ptr(op, 12)); break;
    default: unreachable();
  }
}

// Runs nOps ops for each of `batch` images: image i is copied from batchIn + i·inBytes to the program's
// input buffer, the ops run, and its output buffer is copied to batchOut + i·outBytes. A batch of one whose
// batchIn and batchOut are the program's own buffers is not copied at all (a caller that wrote the input in
// place: a 640×480 frame is 3.7 MB).
export function run(prog: usize, nOps: i32, batch: i32,
                    batchIn: usize, inBytes: i32, imageIn: usize,
                    batchOut: usize, outBytes: i32, imageOut: usize): void {
  for (let i = 0; i < batch; i++) {
    const src = batchIn + <usize>i * <usize>inBytes, dst = batchOut + <usize>i * <usize>outBytes;
    if (src != imageIn) memory.copy(imageIn, src, <usize>inBytes);
    let op = prog;
    for (let k = 0; k < nOps; k++) {
      execOp(op);
      op += <usize>OP_WORDS << 2;
    }
    if (dst != imageOut) memory.copy(dst, imageOut, <usize>outBytes);
  }
}
