// Every error the library throws on bad input is a ResezapError: its message names the file, field or
// argument, what was expected and what was found. The CLI prints message alone, as one line.

export class ResezapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** model.json, weight shards, layer configs, weights. */
export class ModelFormatError extends ResezapError {}
/** Image files and image-like arguments. */
export class ImageError extends ResezapError {}
/** Arguments to API calls and CLI options. */
export class ArgumentError extends ResezapError {}
/** A documented limit (image size, model size, memory) would be exceeded. */
export class LimitError extends ResezapError {}
