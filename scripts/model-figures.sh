#!/usr/bin/env bash
# Every accuracy figure the docs give for a shipped emotion model, for a candidate run's model before it replaces
# models/fer2013 (models/README.md, README.md, docs/int8.md): f32 single pass, flip and ten-crop, its confusion
# PNG, the clean Training faces, the teachers' agreement, quantized as the CLI runs it, the int8-eval rows (relaxed
# and plain builds, 12-bit and int8 weights, mixed and integer programs) and the peers' table. Accuracy only (no
# timings), so it may run beside a training run. Needs `npm run build` and, for the peers, the devDependencies.
#   scripts/model-figures.sh MODEL_DIR OUT_DIR [--data FILE] [--calibration N] [--teachers DIR,DIR...]
# OUT_DIR gets eval-*.json, confusion-publictest.png and figures.txt (all that is printed).
set -euo pipefail

usage() { echo "usage: scripts/model-figures.sh MODEL_DIR OUT_DIR [--data FILE] [--calibration N] [--teachers DIR,DIR...]" >&2; exit 1; }
[ $# -ge 2 ] || usage
model=$1 out=$2
shift 2
data=../shared/data/fer2013/fer2013.csv.gz calib=2000 teachers=""
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=${2:?--data needs a file}; shift 2 ;;
    --calibration) calib=${2:?--calibration needs a count}; shift 2 ;;
    --teachers) teachers=${2:?--teachers needs folders}; shift 2 ;;
    *) echo "model-figures: unknown argument \"$1\"" >&2; usage ;;
  esac
done
[ -f "$model/model.json" ] || { echo "model-figures: $model/model.json: no such file (MODEL_DIR must be a TF.js Layers folder)" >&2; exit 1; }
[ -f "$data" ] || { echo "model-figures: --data $data: no such file" >&2; exit 1; }
mkdir -p "$out"
exec > >(tee "$out/figures.txt") 2>&1

cli="node dist/cli.js"
relaxed="node --experimental-wasm-relaxed-simd"
quant=$(mktemp -d)
trap 'rm -rf "$quant"' EXIT
step() { echo; echo "## $*"; }
# accuracy LABEL FILE [per-class]: one line from an `eval --json` file
accuracy() {
  node -e 'const [file, label, perClass] = process.argv.slice(1), e = JSON.parse(require("fs").readFileSync(file, "utf8"));
    console.log(`${label}: ${(100 * e.accuracy).toFixed(2)} % of ${e.n}` + (perClass ? " " + JSON.stringify(Object.fromEntries(Object.entries(e.per_class).map(([k, v]) => [k, +(100 * v).toFixed(1)]))) : ""))' "$2" "$1" "${3:-}"
}

step "f32, single pass / flip / ten crops (PublicTest)"
$cli eval --f32 --data "$data" --model "$model" --json --confusion "$out/confusion-publictest.png" > "$out/eval-f32.json"
$cli eval --f32 --data "$data" --model "$model" --tta --json > "$out/eval-f32-flip.json"
$cli eval --f32 --data "$data" --model "$model" --ten-crop --json > "$out/eval-f32-ten-crop.json"
for f in f32 f32-flip f32-ten-crop; do accuracy "$f" "$out/eval-$f.json" per-class; done

step "f32 on the clean Training faces"
$cli eval --f32 --data "$data" --model "$model" --split Training --json > "$out/eval-f32-training.json"
accuracy Training "$out/eval-f32-training.json" per-class

if [ -n "$teachers" ]; then
  step "agreement with the teachers (single pass)"
  IFS=, read -r -a tdirs <<< "$teachers"
  node scripts/ensemble-eval.mjs --data "$data" --student "$model" "${tdirs[@]}"
  node scripts/ensemble-eval.mjs --data "$data" --split Training --student "$model" "${tdirs[@]}"
fi

step "quantized as the CLI runs it (resezap quantize, then eval without --f32)"
$cli quantize --data "$data" --model "$model" --out "$quant" --calibration "$calib" > /dev/null
$cli eval --data "$data" --model "$quant" --json > "$out/eval-quantized.json"
accuracy quantized "$out/eval-quantized.json"

step "int8-eval: relaxed build, then plain build (mixed program; 12-bit, then int8 weights), integer program"
$relaxed scripts/int8-eval.mjs --data "$data" --model "$model" --calib "$calib"
node scripts/int8-eval.mjs --data "$data" --model "$model" --calib "$calib"
node scripts/int8-eval.mjs --data "$data" --model "$model" --calib "$calib" --weight-bits 8
node scripts/int8-eval.mjs --data "$data" --model "$model" --calib "$calib" --program integer
node scripts/int8-eval.mjs --data "$data" --model "$model" --calib "$calib" --program integer --weight-bits 8

step "the emotion models users have, beside this one"
$relaxed benchmarks/emotion-peers.mjs --data "$data" --model "$model"
