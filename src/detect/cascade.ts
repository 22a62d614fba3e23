import { ModelFormatError } from "../errors.js";
import { parseXml, type XmlElement } from "./xml.js";

// A Haar cascade in OpenCV's XML format (the one opencv_traincascade writes, type_id
// "opencv-cascade-classifier"): BOOST stages of stump or tree weak classifiers over HAAR features.
// Read as OpenCV's CascadeClassifierImpl::Data::read and HaarEvaluator::Feature::read do, with their f32
// roundings (stage thresholds are stored less 1e-5, as OpenCV does), and checked so that nothing the
// WASM kernels index can point outside a window or a table.

/** Largest cascade XML accepted, in characters (OpenCV's biggest shipped cascade is under 3 MB). */
export const MAX_CASCADE_XML_CHARS = 32 * 1024 * 1024;
export const MAX_STAGES = 10_000;
// Features need no limit of their own: each takes three XML elements at least, so MAX_XML_ELEMENTS keeps them
// under 333,334 (16 MB of tables).

export interface Cascade {
  /** detection window, pixels */
  readonly width: number;
  readonly height: number;
  /** true when every weak classifier is a single node (OpenCV's stump path, e.g. frontalface_default) */
  readonly stumps: boolean;
  readonly hasTilted: boolean;
  /** per stage: number of weak classifiers, threshold (f32, less 1e-5), index of the first tree */
  readonly stageTrees: Int32Array;
  readonly stageThreshold: Float32Array;
  readonly stageFirstTree: Int32Array;
  /** per tree: first node, node count, first leaf */
  readonly treeFirstNode: Int32Array;
  readonly treeNodeCount: Int32Array;
  readonly treeFirstLeaf: Int32Array;
  /** per node: left, right (child node index > 0, or −leaf index ≤ 0), feature, threshold */
  readonly nodeLeft: Int32Array;
  readonly nodeRight: Int32Array;
  readonly nodeFeature: Int32Array;
  readonly nodeThreshold: Float32Array;
  readonly leaves: Float32Array;
  /** per feature: 3 rectangles (x, y, w, h), their weights (0 where absent), tilted flag, rectangle count */
  readonly featureRects: Int32Array;
  readonly featureWeights: Float32Array;
  readonly featureTilted: Uint8Array;
  readonly featureRectCount: Uint8Array;
}

/** Parses OpenCV cascade XML text. `what` names the source in error messages (a file name, say). */
export function loadCascade(xml: string, what = "cascade XML"): Cascade {
  if (typeof xml !== "string") throw new ModelFormatError(`${what}: expected the XML text as a string, found ${typeof xml}`);
  if (xml.length > MAX_CASCADE_XML_CHARS) {
    throw new ModelFormatError(`${what}: ${xml.length} characters, over the limit of ${MAX_CASCADE_XML_CHARS} for a cascade`);
  }
  const root = parseXml(xml, what);
  // OpenCV reads the first top-level node under <opencv_storage>.
  const top = root.name === "opencv_storage" ? root.children[0] : root;
  if (!top) throw new ModelFormatError(`${what}: <opencv_storage> (line ${root.line}) is empty: no cascade`);
  const typeId = top.attrs["type_id"];
  if (typeId === "opencv-haar-classifier") {
    throw new ModelFormatError(
      `${what}: <${top.name}> (line ${top.line}) is an old-format cascade (opencv-haar-classifier); only the opencv-cascade-classifier format is read`,
    );
  }
  const r = new Reader(what);
  const stageType = r.str(top, "stageType");
  if (stageType !== "BOOST") r.fail(top, `<stageType> is ${JSON.stringify(stageType)}, expected "BOOST"`);
  const featureType = r.str(top, "featureType");
  if (featureType !== "HAAR") r.fail(top, `<featureType> is ${JSON.stringify(featureType)}, expected "HAAR" (LBP and HOG cascades are not supported)`);
  const width = r.int(top, "width"), height = r.int(top, "height");
  if (width < 2 || height < 2 || width > 1024 || height > 1024) r.fail(top, `window ${width}×${height}, expected 2 to 1024 pixels a side`);
  const fp = r.child(top, "featureParams");
  const maxCat = r.optChild(fp, "maxCatCount");
  if (maxCat && r.intOf(maxCat) !== 0) r.fail(maxCat, `maxCatCount ${maxCat.text.trim()}: categorical (LBP) features are not supported`);

  const stagesEl = r.child(top, "stages");
  const stageEls = stagesEl.children;
  if (stageEls.length === 0) r.fail(stagesEl, "the cascade has no stages");
  if (stageEls.length > MAX_STAGES) r.fail(stagesEl, `${stageEls.length} stages, over the limit of ${MAX_STAGES}`);

  const stageTrees: number[] = [], stageThreshold: number[] = [], stageFirstTree: number[] = [];
  const treeFirstNode: number[] = [], treeNodeCount: number[] = [], treeFirstLeaf: number[] = [];
  const nodeLeft: number[] = [], nodeRight: number[] = [], nodeFeature: number[] = [], nodeThreshold: number[] = [];
  const leaves: number[] = [];
  const nodeEls: XmlElement[] = [];
  let maxNodes = 0;
  for (const st of stageEls) {
    const thr = r.num(r.child(st, "stageThreshold"));
    const weakEl = r.child(st, "weakClassifiers");
    if (weakEl.children.length === 0) r.fail(weakEl, "stage has no weak classifiers");
    stageTrees.push(weakEl.children.length);
    stageThreshold.push(Math.fround(Math.fround(thr) - Math.fround(1e-5)));
    stageFirstTree.push(treeFirstNode.length);
    for (const wk of weakEl.children) {
      const inEl = r.child(wk, "internalNodes"), lvEl = r.child(wk, "leafValues");
      const inn = r.nums(inEl), lv = r.nums(lvEl);
      if (inn.length === 0 || inn.length % 4 !== 0) r.fail(inEl, `${inn.length} numbers, expected groups of 4 (left right feature threshold)`);
      const count = inn.length / 4;
      if (lv.length !== count + 1) r.fail(lvEl, `${lv.length} leaf values for ${count} node(s), expected ${count + 1}`);
      treeFirstNode.push(nodeLeft.length);
      treeNodeCount.push(count);
      treeFirstLeaf.push(leaves.length);
      maxNodes = Math.max(maxNodes, count);
      for (let k = 0; k < count; k++) {
        const [left, right, feat, t] = inn.slice(k * 4, k * 4 + 4);
        for (const [v, nm] of [[left, "left"], [right, "right"], [feat, "feature index"]] as const) {
          if (!Number.isInteger(v)) r.fail(inEl, `node ${k}: ${nm} ${v} is not an integer`);
        }
        // Children must lie further down the tree (so evaluation always ends) or be one of its leaves.
        for (const c of [left, right]) {
          if (c > 0 ? c <= k || c >= count : -c > count) r.fail(inEl, `node ${k}: child ${c} is not a later node or a leaf of this tree`);
        }
        nodeLeft.push(left);
        nodeRight.push(right);
        nodeFeature.push(feat);
        nodeThreshold.push(Math.fround(t));
        nodeEls.push(inEl);
      }
      for (const v of lv) leaves.push(Math.fround(v));
    }
  }

  const featsEl = r.child(top, "features");
  const nf = featsEl.children.length;
  if (nf === 0) r.fail(featsEl, "no features");
  const featureRects = new Int32Array(nf * 12), featureWeights = new Float32Array(nf * 3);
  const featureTilted = new Uint8Array(nf), featureRectCount = new Uint8Array(nf);
  featsEl.children.forEach((fe, fi) => {
    const rectsEl = r.child(fe, "rects");
    const rects = rectsEl.children;
    if (rects.length < 1 || rects.length > 3) r.fail(rectsEl, `feature ${fi} has ${rects.length} rectangles, expected 1 to 3`);
    const tiltEl = r.optChild(fe, "tilted");
    const tilted = tiltEl ? r.intOf(tiltEl) !== 0 : false;
    featureTilted[fi] = tilted ? 1 : 0;
    featureRectCount[fi] = rects.length;
    rects.forEach((re, ri) => {
      const v = r.nums(re);
      if (v.length !== 5) r.fail(re, `feature ${fi} rectangle ${ri}: ${v.length} numbers, expected 5 (x y w h weight)`);
      const [x, y, w, h, wt] = v;
      if (![x, y, w, h].every(Number.isInteger) || w < 0 || h < 0) r.fail(re, `feature ${fi} rectangle ${ri}: x y w h must be integers, w h ≥ 0`);
      // Every corner the evaluator reads must lie in the window's integral image.
      const inside = tilted
        ? x - h >= 0 && y >= 0 && x + w <= width && y + w + h <= height
        : x >= 0 && y >= 0 && x + w <= width && y + h <= height;
      if (!inside) r.fail(re, `feature ${fi} rectangle ${ri} (${x} ${y} ${w} ${h}${tilted ? ", tilted" : ""}) is not inside the ${width}×${height} window`);
      featureRects.set([x, y, w, h], fi * 12 + ri * 4);
      featureWeights[fi * 3 + ri] = Math.fround(wt);
    });
  });
  nodeFeature.forEach((f, k) => {
    if (f < 0 || f >= nf) r.fail(nodeEls[k], `feature index ${f} is out of range (${nf} features)`);
  });

  return {
    width,
    height,
    stumps: maxNodes === 1,
    hasTilted: featureTilted.some((t) => t === 1),
    stageTrees: Int32Array.from(stageTrees),
    stageThreshold: Float32Array.from(stageThreshold),
    stageFirstTree: Int32Array.from(stageFirstTree),
    treeFirstNode: Int32Array.from(treeFirstNode),
    treeNodeCount: Int32Array.from(treeNodeCount),
    treeFirstLeaf: Int32Array.from(treeFirstLeaf),
    nodeLeft: Int32Array.from(nodeLeft),
    nodeRight: Int32Array.from(nodeRight),
    nodeFeature: Int32Array.from(nodeFeature),
    nodeThreshold: Float32Array.from(nodeThreshold),
    leaves: Float32Array.from(leaves),
    featureRects,
    featureWeights,
    featureTilted,
    featureRectCount,
  };
}

// Field access with errors that name the element and its line.
class Reader {
  constructor(private readonly what: string) {}
  fail(el: XmlElement, msg: string): never {
    throw new ModelFormatError(`${this.what}: line ${el.line}: <${el.name}>: ${msg}`);
  }
  optChild(el: XmlElement, name: string): XmlElement | undefined {
    return el.children.find((c) => c.name === name);
  }
  child(el: XmlElement, name: string): XmlElement {
    return this.optChild(el, name) ?? this.fail(el, `missing <${name}>`);
  }
  str(el: XmlElement, name: string): string {
    return this.child(el, name).text.trim();
  }
  nums(el: XmlElement): number[] {
    const t = el.text.trim();
    if (t === "") return [];
    return t.split(/\s+/).map((s) => {
      const v = Number(s);
      if (!Number.isFinite(v)) this.fail(el, `${JSON.stringify(s)} is not a number`);
      return v;
    });
  }
  num(el: XmlElement): number {
    const v = this.nums(el);
    if (v.length !== 1) this.fail(el, `expected one number, found ${v.length}`);
    return v[0];
  }
  intOf(el: XmlElement): number {
    const v = this.num(el);
    if (!Number.isInteger(v)) this.fail(el, `${v} is not an integer`);
    return v;
  }
  int(el: XmlElement, name: string): number {
    return this.intOf(this.child(el, name));
  }
}
