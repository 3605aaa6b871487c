#!/bin/bash
# Expert BC in ee_delta on pick: which policy heads learn to reach the named block (README, "What does not fix it").
# The same 500 expert demonstrations (train split) for every head; success on 100 unseen layouts.
# About 30 min on the 2 cores. Usage: bash benchmarks/ee_delta_bc.sh [OUT] (default runs/tabletop/ee-bc).
set -euo pipefail
R=${1:-runs/tabletop/ee-bc}
mkdir -p "$R"
bc() {  # NAME DATA EXTRA-TRAIN-ARGS...
  local name=$1 data=$2; shift 2
  sim2act train --data "$data" --out "$R/$name" --steps "${STEPS:-1500}" --batch-size 64 "$@"
  sim2act eval --checkpoint "$R/$name" --out "$R/eval-$name" --split test_unseen_layout --episodes 100
  sim2act eval --checkpoint "$R/$name" --out "$R/eval-$name-greedy" --greedy --split test_unseen_layout --episodes 100
}
sim2act generate --domain tabletop --level pick --proposer expert --episodes 500 --labels success \
  --env action_mode=ee_delta --out "$R/expert-pick"
sim2act generate --domain tabletop --level pick --proposer expert --alpha 0.7 --episodes 500 --labels success \
  --env action_mode=ee_delta --out "$R/expert-pick-noisy"
bc independent "$R/expert-pick"
bc chunk-8 "$R/expert-pick" --action-chunk 8
bc recovery "$R/expert-pick-noisy"
bc keypoints "$R/expert-pick" --action-head keypoints
STEPS=6000 bc keypoints-6k "$R/expert-pick" --action-head keypoints
STEPS=3000 bc cell-servo "$R/expert-pick" --action-head cell_servo --action-bins 21
