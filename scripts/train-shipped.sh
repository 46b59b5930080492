#!/usr/bin/env bash
# Reproduce weights/vsexplore-default.safetensors and vsexplore-conv.safetensors, their
# evaluation tables and the heatmap figure.
# About 75 minutes on 2 CPU cores; data, caches and runs go under $DATA (default ./data).
# Run after `bash scripts/setup.sh` (needs apt for the Debian photo packages).
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
DATA=${DATA:-data}
R=$DATA/runs
mkdir -p "$R"
log() { echo "[$(date +%H:%M:%S)] $*"; }

log "scenes and real photos"
vsexplore scenes --out "$DATA/train" --n 6000 --seed 0 --split train
vsexplore scenes --out "$DATA/test" --n 600 --seed 1 --split test
vsexplore real-photos --out "$DATA/real"

train=(vsexplore train "$DATA/train/train.jsonl" --cache "$DATA/cache-224" --holdout "$DATA/test/test.jsonl"
       --head-holdout 0.5 --epochs 6 --head-epochs 2)
conv=(--head conv --pool mix)  # version 1's head: 3×3 conv+ReLU layers, mixed mean/max pooling
log "train: factorised head (shipped)"; time "${train[@]}" --out "$R/factorised.safetensors" > "$R/factorised.log"
log "train: conv head, MiniLM";   time "${train[@]}" "${conv[@]}" --out "$R/minilm.safetensors" > "$R/minilm.log"
log "train: conv head, GloVe";    time "${train[@]}" "${conv[@]}" --out "$R/glove.safetensors" --encoder glove-6b-50d \
  > "$R/glove.log"
log "train: pooled comparison";   time "${train[@]}" "${conv[@]}" --out "$R/pooled.safetensors" --compare-at pooled \
  > "$R/pooled.log"

evaluate=(vsexplore eval "$DATA/test/test.jsonl" --seen-from "$DATA/train/train.jsonl")
log "evaluate on held-out scenes"
"${evaluate[@]}" --model "$R/factorised.safetensors" --model "$R/minilm.safetensors" --model "$R/pooled.safetensors" \
  --conse --refine --json "$R/scenes-minilm.json" > /dev/null
"${evaluate[@]}" --model "$R/glove.safetensors" --conse --encoder glove-6b-50d --json "$R/scenes-glove.json" > /dev/null
"${evaluate[@]}" --model "$R/factorised.safetensors" --model "$R/minilm.safetensors" --conse --input-size 448 --refine \
  --json "$R/scenes-448.json" > /dev/null
log "evaluate on real photos"
vsexplore eval "$DATA/real/real-photos.jsonl" --seen-from "$DATA/train/train.jsonl" --classes '' \
  --model "$R/factorised.safetensors" --model "$R/minilm.safetensors" --model "$R/glove.safetensors" --conse \
  --json "$R/real.json" > /dev/null

python scripts/model_card.py "$R" > "$R/tables.md"
log "shipping: the factorised head + its calibration as the default, the conv head at 448 px as the variant"
python - "$R/minilm.safetensors" <<'PY'
import sys
import vsexplore as vx
model = vx.load_model(sys.argv[1])
model.net.config.input_size = 448
model.save("weights/vsexplore-conv.safetensors")
PY
python scripts/calibrate.py "$R/factorised.safetensors" weights/vsexplore-default.safetensors
vsexplore eval-real --split test --json "$R/real-test.json" > /dev/null
python scripts/heatmap_figure.py weights/vsexplore-conv.safetensors "$DATA/real/real-photos.jsonl" \
  weights/heatmaps.png --rows 6
log "done: tables in $R/tables.md"
