import { ModelFormatError } from "../errors.js";
import { Conv2D, DepthwiseConv2D, SeparableConv2D } from "./conv.js";
import { Activation, BatchNormalization, Dense, Dropout, ELU, Flatten, INFERENCE_IDENTITY, InputLayer, LeakyReLU, Normalization, Permute, PReLU, ReLU,
  Rescaling, Reshape, Softmax } from "./core.js";
import type { Layer } from "./layer.js";
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from "./merge.js";
import { AveragePooling2D, Cropping2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, UpSampling2D, ZeroPadding2D } from "./pooling.js";

// Keras class name → layer built from its model.json config. The one place that says which layers load.
const REGISTRY: Record<string, (config: Record<string, any>) => Layer> = {
  InputLayer: InputLayer.fromConfig,
  SeparableConv2D: SeparableConv2D.fromConfig,
  Conv2D: Conv2D.fromConfig,
  DepthwiseConv2D: DepthwiseConv2D.fromConfig,
  BatchNormalization: BatchNormalization.fromConfig,
  Activation: Activation.fromConfig,
  ReLU: ReLU.fromConfig,
  Softmax: Softmax.fromConfig,
  Add: Add.fromConfig,
  ZeroPadding2D: ZeroPadding2D.fromConfig,
  AveragePooling2D: AveragePooling2D.fromConfig,
  MaxPooling2D: MaxPooling2D.fromConfig,
  GlobalMaxPooling2D: GlobalMaxPooling2D.fromConfig,
  GlobalAveragePooling2D: GlobalAveragePooling2D.fromConfig,
  Dense: Dense.fromConfig,
  Dropout: Dropout.fromConfig,
  Flatten: Flatten.fromConfig,
  LeakyReLU: LeakyReLU.fromConfig,
  PReLU: PReLU.fromConfig,
  ELU: ELU.fromConfig,
  Subtract: Subtract.fromConfig,
  Multiply: Multiply.fromConfig,
  Average: Average.fromConfig,
  Maximum: Maximum.fromConfig,
  Minimum: Minimum.fromConfig,
  Concatenate: Concatenate.fromConfig,
  Reshape: Reshape.fromConfig,
  Permute: Permute.fromConfig,
  Cropping2D: Cropping2D.fromConfig,
  UpSampling2D: UpSampling2D.fromConfig,
  Rescaling: Rescaling.fromConfig,
  Normalization: Normalization.fromConfig,
};
for (const name of INFERENCE_IDENTITY) if (name !== "Dropout") REGISTRY[name] = Dropout.identity(name);
// Keras layers that look like augmentation but change the image at inference: refused with the reason
const REFUSED: Record<string, string> = {
  RandomCrop: "it crops (to its height × width) at inference too; crop the input before the model, or use CenterCrop",
};
// Keras 1/older TF.js spellings
REGISTRY.SeparableConvolution2D = REGISTRY.SeparableConv2D;
REGISTRY.Convolution2D = REGISTRY.Conv2D;
REGISTRY.AvgPool2D = REGISTRY.AveragePooling2D;
REGISTRY.MaxPool2D = REGISTRY.MaxPooling2D;
REGISTRY.GlobalMaxPool2D = REGISTRY.GlobalMaxPooling2D;
REGISTRY.GlobalAvgPool2D = REGISTRY.GlobalAveragePooling2D;

export const SUPPORTED_LAYERS = Object.keys(REGISTRY);

export function layerFromConfig(className: unknown, config: unknown, where: string): Layer {
  if (typeof className !== "string") throw new ModelFormatError(`${where}: class_name is missing`);
  const make = REGISTRY[className];
  if (REFUSED[className]) throw new ModelFormatError(`${where}: layer class "${className}" is not supported: ${REFUSED[className]}`);
  if (!make) {
    throw new ModelFormatError(`${where}: unknown layer class "${className}" (supported: ${Object.keys(REGISTRY).filter((k) => !k.includes("Convolution") && !k.includes("Pool2D")).join(", ")})`);
  }
  if (!config || typeof config !== "object") throw new ModelFormatError(`${where} (${className}): config is missing`);
  return make(config as Record<string, any>);
}
