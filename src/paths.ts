// Where the package's own files are (dist/ and src/ are both one level below the package root).
const PACKAGE_ROOT = new URL("../", import.meta.url);
export const DEFAULT_MODEL_DIR = new URL("models/fer2013/", PACKAGE_ROOT);
export const DEFAULT_MODEL_JSON = new URL("model.json", DEFAULT_MODEL_DIR);
