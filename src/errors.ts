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

const CLASSES: Record<string, new (message: string) => ResezapError> = { ResezapError, ModelFormatError, ImageError, ArgumentError, LimitError };

/**
 * An error as a worker thread answers it: structured cloning keeps the message and the name but not the class, so
 * the name travels to say which of the library's errors it was.
 */
export interface ErrorAnswer {
  error: string;
  errorName?: string;
}

export function errorAnswer(e: unknown): Required<ErrorAnswer> {
  return { error: (e as Error)?.message ?? String(e), errorName: (e as Error)?.name ?? "Error" };
}

/**
 * The error that a worker's answer or death stands for on the calling thread: the library's class of that name
 * (a subclass defined elsewhere, such as SoftTargetsError, comes back as its ResezapError), so the CLI prints it
 * as the one-line error it is. `fallback` says what an unknown name becomes: a ResezapError for a worker's answer
 * (wave 1's contract), the error itself for a crash, which is a bug to report as one.
 */
export function reviveError(answer: ErrorAnswer, fallback: "resezap" | Error): Error {
  const Class = answer.errorName !== undefined ? CLASSES[answer.errorName] : undefined;
  if (Class) return new Class(answer.error);
  return fallback === "resezap" ? new ResezapError(answer.error) : fallback;
}
