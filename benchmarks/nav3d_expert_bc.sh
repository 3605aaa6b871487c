#!/bin/bash
# The nav3d goto policy trained on scripted-expert demonstrations: the ceiling above the loop, and which changes to
# the policy lift it (README, "The same policy on expert demonstrations"). nav3d-kind-goals' policy and training
# (chroma stem, view head, batch 256, 16 epochs); 3,000 demonstrations for every change, then 10,000; each policy on
# the same 300 held-out-pair and 300 validation episodes (seed 0); memory and width again on 10,000. Re-running skips
# what is already measured. About 4 hours on one thread. Usage: bash benchmarks/nav3d_expert_bc.sh [OUT] (default runs/nav3d/expert-bc).
set -euo pipefail
R=${1:-runs/nav3d/expert-bc}
mkdir -p "$R"
demos() {  # NAME EPISODES PIXELS
  [ -f "$R/$1/.done" ] || { sim2act generate --domain nav3d --level goto --proposer expert --episodes "$2" --seed 0 \
    --env fov=90 --env image_size="$3" --out "$R/$1" && touch "$R/$1/.done"; }
}
bc() {  # NAME DATA PIXELS STEPS EXTRA-TRAIN-ARGS... (later options override earlier ones; training seed: SEED, default 0)
  local name=$1 data=$2 px=$3 steps=$4; shift 4
  local run="$R/bc-$name"  # its own prefix: a run never shares a folder with a dataset of the same name
  local resume=(); [ -f "$run/train_config.json" ] && resume=(--resume)  # a killed training run continues
  [ -f "$run/.done" ] || { sim2act train --data "$R/$data" --out "$run" --steps "$steps" --batch-size 256 \
    --vision-stem chroma --view-weight 1.0 --seed "${SEED:-0}" "${resume[@]}" "$@" && touch "$run/.done"; }
  for split in test_unseen_composition val; do
    [ -f "$R/eval-$name-$split/eval_info.json" ] || sim2act eval --checkpoint "$run" --out "$R/eval-$name-$split" \
      --split "$split" --episodes 300 --seed 0 --env fov=90 --env image_size="$px"
  done
}
demos demos-3000 3000 64
demos demos-3000-96px 3000 96
demos demos-10000 10000 64
bc base demos-3000 64 1900  # 16 epochs of 29K steps
bc 96px demos-3000-96px 96 1900
bc steps-3800 demos-3000 64 3800
bc view-map demos-3000 64 1900 --view-map
bc fusion-4 demos-3000 64 1900 --fusion-layers 4
bc text-1 demos-3000 64 1900 --text-layers 1
bc memory-5 demos-3000 64 1900 --memory 5
bc shift-4 demos-3000 64 1900 --shift 4
bc chroma-cnn demos-3000 64 1900 --vision-stem chroma-cnn
bc d-model-128 demos-3000 64 1900 --d-model 128
bc demos-10000 demos-10000 64 6300  # 16 epochs of 97K steps
SEED=1 bc demos-10000-seed-1 demos-10000 64 6300
bc 10k-memory-5 demos-10000 64 6300 --memory 5  # the two changes again where the data no longer limit them
bc 10k-d-model-128 demos-10000 64 6300 --d-model 128
for name in base chroma-cnn; do
  [ -f "$R/failures-$name.txt" ] || { python benchmarks/nav3d_failures.py "$R/bc-$name" --episodes 300 --probe 100 \
    > "$R/failures-$name.txt.tmp" && mv "$R/failures-$name.txt.tmp" "$R/failures-$name.txt"; }
  cat "$R/failures-$name.txt"
done
