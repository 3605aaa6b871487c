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
# Optional: a hashable key, equal for equal simulator states; loop erasure (sim2act.labels.loops) uses it.
INFO_STATE_KEY = "state_key"
# Optional and privileged: where each of the domain's named objects appears across the first camera's width
# (``Domain.object_views``), recorded per step as a training target of the policy's view loss, never an input.
INFO_OBJECT_VIEW = "object_view"

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
OBJECT_VIEW = "object_view"
"""Step column of ``info["object_view"]`` at o_t (domains with ``object_views`` only): an annotation, not an observation."""

# How a kept episode's instruction was obtained (step column and episode column ``label``), and the
# instruction it was collected with (episode column ``original_instruction``); see ``sim2act.labels``.
LABEL = "label"
ORIGINAL_INSTRUCTION = "original_instruction"
LABEL_ORIGINAL = "original"
"""The sampled task's instruction, the episode as it was rolled out."""
LABEL_SUCCESS = "success"
"""The sampled task's instruction, which the verifier said succeeded; cut at the first success."""
LABEL_HINDSIGHT = "hindsight"
"""An instruction the episode achieved instead of its own, read off the simulator; cut where it did."""
