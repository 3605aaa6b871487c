"""Decision Stacks (Zhao & Grover, "Decision Stacks: Flexibly Planning with Modular Generative Models", NeurIPS 2023).

A goal-conditioned policy factored into three generative modules, trained independently and chained at
inference, replanning every step: an observation model generates the next H observations from the current
one and the goal (diffusion with classifier-free guidance), a reward model predicts rewards along them, an
action model predicts actions from observations, rewards and the goal (encoder–decoder transformers, as in
the official code's ``ActionTransformerEncDec`` and reward transformer).

What differs here: the goal is the instruction (π0's text embedding in the goal slot, where the paper puts
a return or goal state); observations are planned as latents of π0's frozen vision tower rather than raw
states (pixel diffusion is unaffordable on a CPU), with 10 denoising steps; rewards are the verifier's 0/1
success (a Bernoulli per step rather than a regressed return); discrete actions are a categorical over the
joint action index (cross-entropy). Training is offline on a sim2act dataset (the bench uses the Sim2Act
loop's whole dataset, so both spend the same simulator steps).
"""

from sim2act.baselines.decision_stacks.config import DecisionStacksConfig
from sim2act.baselines.decision_stacks.proposer import DecisionStacksProposer
from sim2act.baselines.decision_stacks.train import DecisionStacksRun, train_decision_stacks

__all__ = ["DecisionStacksConfig", "DecisionStacksProposer", "DecisionStacksRun", "train_decision_stacks"]
