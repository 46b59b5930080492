#!/usr/bin/env bash
# Reproduce weights/vsexplore-default.safetensors, its evaluation tables and heatmap figure.
# About an hour on 2 CPU cores; data, caches and runs go under $DATA (default ./data).
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
log "train: MiniLM label space";  time "${train[@]}" --out "$R/minilm.safetensors" > "$R/minilm.log"
log "train: GloVe label space";   time "${train[@]}" --out "$R/glove.safetensors" --encoder glove-6b-50d > "$R/glove.log"
log "train: pooled comparison";   time "${train[@]}" --out "$R/pooled.safetensors" --compare-at pooled > "$R/pooled.log"

evaluate=(vsexplore eval "$DATA/test/test.jsonl" --seen-from "$DATA/train/train.jsonl")
log "evaluate on held-out scenes"
"${evaluate[@]}" --model "$R/minilm.safetensors" --model "$R/pooled.safetensors" --conse --refine \
  --json "$R/scenes-minilm.json" > /dev/null
"${evaluate[@]}" --model "$R/glove.safetensors" --conse --encoder glove-6b-50d --json "$R/scenes-glove.json" > /dev/null
"${evaluate[@]}" --model "$R/minilm.safetensors" --conse --input-size 448 --refine --json "$R/scenes-448.json" > /dev/null
log "evaluate on real photos"
vsexplore eval "$DATA/real/real-photos.jsonl" --seen-from "$DATA/train/train.jsonl" --classes '' \
  --model "$R/minilm.safetensors" --model "$R/glove.safetensors" --conse --json "$R/real.json" > /dev/null

python scripts/model_card.py "$R" > "$R/tables.md"
winner=$(python - "$R" <<'PY'
import json, sys
scenes = {enc: json.load(open(f"{sys.argv[1]}/scenes-{enc}.json")) for enc in ("minilm", "glove")}
unseen = {enc: r[f"{sys.argv[1]}/{enc}.safetensors"]["unseen"]["mAP"] for enc, r in scenes.items()}
print(max(unseen, key=unseen.get))  # the default encoder is the one that wins on unseen labels
PY
)
log "default encoder: $winner; shipped at 448 px input (14×14 maps), see the model card"
python - "$R/$winner.safetensors" <<'PY'
import sys
import vsexplore as vx
model = vx.load_model(sys.argv[1])
model.net.config.input_size = 448
model.save("weights/vsexplore-default.safetensors")
PY
python scripts/heatmap_figure.py weights/vsexplore-default.safetensors "$DATA/real/real-photos.jsonl" \
  weights/heatmaps.png --rows 6
log "done: tables in $R/tables.md"
