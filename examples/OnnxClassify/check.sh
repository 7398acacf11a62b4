#!/usr/bin/env bash
# Runs OnnxClassify on Fashion-MNIST test pictures with the shipped model exported to ONNX, and checks that its top
# class for every picture is the one `googlenet predict --pretrained` gives. Needs the .NET SDK, python3 (standard
# library only) and Fashion-MNIST (Debian's dataset-fashion-mnist, or FASHION_MNIST_DIR). Runs from any folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
count="${PICTURES:-40}"
work="$(mktemp -d "${TMPDIR:-/tmp}/onnxclassify.XXXXXX")"
trap 'rm -rf "$work"' EXIT

dotnet build "$root/src/GoogLeNet.Cli" -c Release -v quiet -nologo >/dev/null
dotnet build "$root/examples/OnnxClassify" -c Release -v quiet -nologo >/dev/null
googlenet="$root/src/GoogLeNet.Cli/bin/Release/net10.0/googlenet"
classify="$root/examples/OnnxClassify/bin/Release/net10.0/OnnxClassify"

"$googlenet" export --pretrained --format onnx --out "$work/model.onnx"
python3 "$root/scripts/idx_to_image_folder.py" "$data" "$work/pictures" --train-limit 0 --test-limit "$count" >/dev/null
mapfile -t pictures < <(find "$work/pictures/test" -name '*.png' | sort)

"$googlenet" predict --pretrained --json "${pictures[@]}" >"$work/predict.json"
"$classify" "$work/model.onnx" "${pictures[@]}" --json >"$work/onnx.json"
"$classify" "$work/model.onnx" "${pictures[@]:0:3}"

python3 - "$work/predict.json" "$work/onnx.json" <<'PY'
import json, os, sys
ours = {p['file']: p['top'] for p in json.load(open(sys.argv[1]))}
onnx = {p['file']: p['top'] for p in json.load(open(sys.argv[2]))}
assert ours.keys() == onnx.keys() and ours, 'the two programs classified different pictures'
differ = [f for f in ours if ours[f][0]['label'] != onnx[f][0]['label']]
worst = max(abs(ours[f][0]['prob'] - onnx[f][0]['prob']) for f in ours)
right = sum(ours[f][0]['index'] == int(os.path.basename(os.path.dirname(f)).split('-')[0]) for f in ours)
print(f'OnnxClassify and googlenet predict agree on the top class of {len(ours) - len(differ)} of {len(ours)} pictures '
      f'(top probabilities within {worst:.1e}); {right} of them are the picture\'s class')
sys.exit(1 if differ else 0)
PY
