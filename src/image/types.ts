/** ImageData-like: RGBA (4 bytes a pixel), RGB (3) or grey (1), row-major, no padding between rows. */
export interface ImageLike {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** bytes a pixel; inferred from data.length when absent */
  channels?: 1 | 3 | 4;
}

/** A single-channel 8-bit image. */
export interface GreyImage {
  data: Uint8Array;
  width: number;
  height: number;
}
