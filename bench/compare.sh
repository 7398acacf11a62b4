#!/usr/bin/env bash
# Runs `googlenet bench` (channels-last, and in the usual order with --layout nchw) and the PyTorch peer alternately, ROUNDS times each, on the same machine in one
# sitting, and prints the medians and the ratios. The peer runs twice per round: as a user would run it
# (glibc defaults) and with its best allocator setting (GLIBC_TUNABLES mmap/trim thresholds).
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
OURS="dotnet src/GoogLeNet.Cli/bin/Release/net10.0/googlenet.dll bench --json --steps $STEPS --threads 2"
OURS_NCHW="$OURS --layout nchw"
PEER="$PY bench/peer_googlenet.py --steps $STEPS --threads 2"
TUNED="GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296"
out=$(mktemp -d)
for i in $(seq "$ROUNDS"); do
  echo "round $i/$ROUNDS" >&2
  $OURS >> "$out/ours.jsonl"
  $OURS_NCHW >> "$out/ours-nchw.jsonl"
  $PEER >> "$out/peer.jsonl"
  env "$TUNED" $PEER >> "$out/peer-tuned.jsonl"
done
"$PY" - "$out" <<'PYEOF'
import json, statistics, sys, os
d = sys.argv[1]
rows = {n: [json.loads(l) for l in open(os.path.join(d, n + ".jsonl"))] for n in ("ours", "ours-nchw", "peer", "peer-tuned")}
med = {n: {k: statistics.median(r[k] for r in rs) for k in ("train_img_s", "infer_img_s", "sgemm_gflops", "peak_rss_mb")} for n, rs in rows.items()}
print(f"{'':12} {'train img/s':>12} {'infer img/s':>12} {'sgemm GFLOP/s':>14} {'peak RSS MB':>12}   (medians of {len(rows['ours'])})")
for n, m in med.items():
    print(f"{n:12} {m['train_img_s']:12.1f} {m['infer_img_s']:12.1f} {m['sgemm_gflops']:14.0f} {m['peak_rss_mb']:12.0f}")
for peer in ("peer", "peer-tuned"):
    print(f"ours / {peer}: train {med['ours']['train_img_s'] / med[peer]['train_img_s']:.2f}x, "
          f"inference {med['ours']['infer_img_s'] / med[peer]['infer_img_s']:.2f}x")
for n, rs in rows.items():
    print(n, "train", [round(r["train_img_s"], 1) for r in rs], "infer", [round(r["infer_img_s"], 1) for r in rs])
PYEOF
