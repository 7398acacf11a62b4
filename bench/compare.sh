#!/usr/bin/env bash
# Runs `googlenet bench` (default precision, channels-last; inference by the engine evaluate picks for a large
# set, which is int8 by ONNX Runtime on a CPU with VNNI, with libtorch's figure beside it) and the PyTorch peer in each of its forms
# alternately, ROUNDS times each, on the same machine in one sitting, and prints the medians and the ratios
# against every form and against the fastest. The peer's forms: the book's code as written (NCHW, float32),
# + channels_last, + channels_last and bf16 autocast; each also with its best allocator setting (the
# GLIBC_TUNABLES mmap/trim thresholds). The bf16 forms are skipped where the CPU has no bfloat16 arithmetic
# (no avx512_bf16 or amx_bf16 in /proc/cpuinfo), where libtorch emulates it at a small fraction of float32's speed.
# Usage: bench/compare.sh [ROUNDS] [STEPS]        Needs: python3-torch (apt), the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
STEPS=${2:-10}
PY=/usr/bin/python3
if ! "$PY" -c "import torch" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -q --no-install-recommends python3-torch
fi
dotnet build src/GoogLeNet.Cli -c Release -v q -nologo >/dev/null
cpu="AVX2-only"
grep -qE -m1 'avx512_bf16|amx_bf16' /proc/cpuinfo && cpu="bf16 arithmetic (avx512_bf16/amx_bf16)"
forms=(book channels_last)
[ "$cpu" != "AVX2-only" ] && forms+=(autocast)
OURS="dotnet src/GoogLeNet.Cli/bin/Release/net10.0/googlenet.dll bench --json --steps $STEPS --threads 2"
PEER="$PY bench/peer_googlenet.py --steps $STEPS --threads 2"
TUNED="GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296"
out=$(mktemp -d)
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $cpu, $(nproc) cores" >&2
for i in $(seq "$ROUNDS"); do
  echo "round $i/$ROUNDS" >&2
  $OURS >> "$out/ours.jsonl"
  for form in "${forms[@]}"; do
    $PEER --form "$form" >> "$out/peer-$form.jsonl"
    env "$TUNED" $PEER --form "$form" >> "$out/peer-$form-tuned.jsonl"
  done
done
"$PY" - "$out" <<'PYEOF'
import json, statistics, sys, os
d = sys.argv[1]
names = ["ours"] + sorted(f[:-6] for f in os.listdir(d) if f.startswith("peer-"))
rows = {n: [json.loads(l) for l in open(os.path.join(d, n + ".jsonl"))] for n in names}
# Our inference is the engine evaluate picks by default for a large set (int8 by ONNX Runtime where the CPU has
# VNNI); libtorch's own figure is kept beside it.
for r in rows["ours"]:
    r["libtorch_infer_img_s"] = r["infer_img_s"]
    r["infer_img_s"] = r.get("infer_auto_img_s") or r["infer_img_s"]
keys = ("train_img_s", "infer_img_s", "sgemm_gflops", "peak_rss_mb")
med = {n: {k: statistics.median(r[k] for r in rs) for k in keys} for n, rs in rows.items()}
print(f"{'':26} {'train img/s':>12} {'infer img/s':>12} {'sgemm GFLOP/s':>14} {'peak RSS MB':>12}   (medians of {len(rows['ours'])})")
for n, m in med.items():
    print(f"{n:26} {m['train_img_s']:12.1f} {m['infer_img_s']:12.1f} {m['sgemm_gflops']:14.0f} {m['peak_rss_mb']:12.0f}")
peers = [n for n in names if n != "ours"]
for p in peers:
    print(f"ours / {p}: train {med['ours']['train_img_s'] / med[p]['train_img_s']:.2f}x, "
          f"inference {med['ours']['infer_img_s'] / med[p]['infer_img_s']:.2f}x")
best_train = max(peers, key=lambda p: med[p]["train_img_s"])
best_infer = max(peers, key=lambda p: med[p]["infer_img_s"])
print(f"ours / fastest peer: train {med['ours']['train_img_s'] / med[best_train]['train_img_s']:.2f}x ({best_train}), "
      f"inference {med['ours']['infer_img_s'] / med[best_infer]['infer_img_s']:.2f}x ({best_infer})")
lib = statistics.median(r["libtorch_infer_img_s"] for r in rows["ours"])
print("ours precision:", rows["ours"][0].get("precision"), "layout:", rows["ours"][0].get("layout"),
      "inference engine:", rows["ours"][0].get("infer_engine", "libtorch"))
print(f"ours inference by libtorch alone: {lib:.1f} img/s, {lib / med[best_infer]['infer_img_s']:.2f}x {best_infer}")
for n, rs in rows.items():
    print(n, "train", [round(r["train_img_s"], 1) for r in rs], "infer", [round(r["infer_img_s"], 1) for r in rs],
          *(["libtorch infer", [round(r["libtorch_infer_img_s"], 1) for r in rs]] if n == "ours" else []))
PYEOF
