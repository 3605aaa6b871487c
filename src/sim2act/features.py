"""Names of observation, info and dataset features, shared by every domain and every module."""

# Observation dict keys (every env returned by ``sim2act.envs.make``).
RGB = "rgb"
DEPTH = "depth"
PROPRIO = "proprio"
INSTRUCTION = "instruction"

# Keys every env puts in ``info`` on reset and on every step.
INFO_INSTRUCTION = "instruction"
INFO_SUCCESS = "success"
# Instructions (in the domain's task grammar) that the agent achieved on this step, read off the
# simulator state; hindsight relabeling builds on them.
INFO_ACHIEVED = "achieved"

# Per-step dataset columns, in on-disk order. Observation columns are named after the obs keys.
EPISODE_ID = "episode_id"
STEP = "step"
DOMAIN = "domain"
LEVEL = "level"
SPLIT = "split"
SEED = "seed"
ACTION = "action"
REWARD = "reward"
TERMINATED = "terminated"
TRUNCATED = "truncated"
SUCCESS = "success"
PROPOSER = "proposer"
ITERATION = "iteration"
