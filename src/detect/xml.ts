import { ModelFormatError } from "../errors.js";

// A small XML reader, enough for OpenCV's FileStorage XML (cascade files): elements, attributes, text,
// comments, the <?xml?> declaration, CDATA and the five predefined entities. No namespaces, no DTDs.
// Hand-written so the library keeps no XML dependency; every error names the line (and element) where the
// file stops making sense, since a cascade is usually hand-copied or truncated by a download.

export interface XmlElement {
  name: string;
  /** 1-based line of the opening tag */
  line: number;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** concatenated character data directly inside this element */
  text: string;
}

export const MAX_DEPTH = 256;
// Each element costs about 160 bytes of JS heap; without a cap, 32 MB of "<_/>" (under the cascade text limit)
// built a 1.3 GB tree. The shipped haarcascade_frontalface_default.xml has about 21,000.
export const MAX_XML_ELEMENTS = 1_000_000;
const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-]/;

export function parseXml(src: string, what = "XML"): XmlElement {
  let i = 0;
  // Line numbers are counted lazily, forwards only (positions asked for only grow).
  let lineAt = 0, line = 1;
  const lineOf = (pos: number): number => {
    if (pos < lineAt) {
      lineAt = 0;
      line = 1;
    }
    for (; lineAt < pos; lineAt++) if (src.charCodeAt(lineAt) === 10) line++;
    return line;
  };
  const fail = (pos: number, msg: string): never => {
    throw new ModelFormatError(`${what}: line ${lineOf(pos)}: ${msg}`);
  };

  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  const n = src.length;
  if (src.charCodeAt(0) === 0xfeff) i = 1;

  while (i < n) {
    const lt = src.indexOf("<", i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const raw = src.slice(i, textEnd);
      if (stack.length) stack[stack.length - 1].text += decodeEntities(raw, i, fail);
      else if (raw.trim() !== "") fail(i, root ? "text after the root element" : "text before the root element");
      i = textEnd;
      if (lt < 0) break;
    }
    // i is at "<"
    if (src.startsWith("<!--", i)) {
      const e = src.indexOf("-->", i + 4);
      if (e < 0) fail(i, "comment is not closed (truncated file?)");
      i = e + 3;
    } else if (src.startsWith("<?", i)) {
      const e = src.indexOf("?>", i + 2);
      if (e < 0) fail(i, "processing instruction is not closed (truncated file?)");
      i = e + 2;
    } else if (src.startsWith("<![CDATA[", i)) {
      const e = src.indexOf("]]>", i + 9);
      if (e < 0) fail(i, "CDATA section is not closed (truncated file?)");
      if (!stack.length) fail(i, "CDATA outside the root element");
      stack[stack.length - 1].text += src.slice(i + 9, e);
      i = e + 3;
    } else if (src.startsWith("<!", i)) {
      const e = src.indexOf(">", i + 2);
      if (e < 0) fail(i, "declaration is not closed (truncated file?)");
      i = e + 1;
    } else if (src.charCodeAt(i + 1) === 47 /* / */) {
      const start = i;
      i += 2;
      const name = readName();
      skipSpace();
      if (src.charCodeAt(i) !== 62 /* > */) fail(start, i >= n ? `closing tag </${name}> is cut off (truncated file?)` : `expected ">" to end </${name}>`);
      i++;
      const open = stack.pop();
      if (!open) fail(start, `</${name}> closes nothing`);
      else if (open.name !== name) fail(start, `</${name}> does not match <${open.name}> opened on line ${open.line}`);
    } else {
      const start = i;
      i++;
      const name = readName();
      if (++elements > MAX_XML_ELEMENTS) fail(start, `over ${MAX_XML_ELEMENTS} elements, the limit for a cascade file`);
      const el: XmlElement = { name, line: lineOf(start), attrs: {}, children: [], text: "" };
      for (;;) {
        skipSpace();
        if (i >= n) fail(start, `tag <${name}> is cut off (truncated file?)`);
        const c = src.charCodeAt(i);
        if (c === 62 /* > */) {
          i++;
          break;
        }
        if (c === 47 /* / */ && src.charCodeAt(i + 1) === 62) {
          i += 2;
          break;
        }
        const an = readName();
        skipSpace();
        if (src.charCodeAt(i) !== 61 /* = */) fail(i, `attribute ${an} of <${name}> has no value`);
        i++;
        skipSpace();
        const q = src[i];
        if (q !== '"' && q !== "'") fail(i, `attribute ${an} of <${name}>: expected a quoted value`);
        const e = src.indexOf(q, i + 1);
        if (e < 0) fail(i, `attribute ${an} of <${name}> is not closed (truncated file?)`);
        el.attrs[an] = decodeEntities(src.slice(i + 1, e), i + 1, fail);
        i = e + 1;
      }
      const selfClosing = src.charCodeAt(i - 2) === 47;
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (root) fail(start, `second root element <${name}> (the root is <${root.name}>)`);
      else root = el;
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) fail(start, `elements nested deeper than ${MAX_DEPTH}`);
        stack.push(el);
      }
    }
  }
  if (stack.length) {
    const open = stack[stack.length - 1];
    throw new ModelFormatError(`${what}: truncated: <${open.name}> opened on line ${open.line} is not closed at the end of the file (line ${lineOf(n)})`);
  }
  if (!root) throw new ModelFormatError(`${what}: no XML element found`);
  return root;

  function readName(): string {
    const s = i;
    if (i >= n) fail(s, "tag is cut off (truncated file?)");
    if (!NAME_START.test(src[i])) fail(s, `expected a tag or attribute name, found ${JSON.stringify(src[i])}`);
    i++;
    while (i < n && NAME_CHAR.test(src[i])) i++;
    return src.slice(s, i);
  }
  function skipSpace(): void {
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
  }
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(s: string, pos: number, fail: (pos: number, msg: string) => never): string {
  if (s.indexOf("&") < 0) return s;
  return s.replace(/&([^;&\s]*);?/g, (m, name: string, off: number) => {
    if (!m.endsWith(";")) fail(pos + off, `"&" not starting an entity`);
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!Number.isFinite(code) || code < 0 || code > 0x10ffff) fail(pos + off, `bad character reference &${name};`);
      return String.fromCodePoint(code);
    }
    const v = ENTITIES[name];
    if (v === undefined) fail(pos + off, `unknown entity &${name};`);
    return v;
  });
}

