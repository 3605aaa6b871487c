"""RL-from-scratch baselines (stable-baselines3 PPO and SAC) on sim2act's envs, splits and observation.

``train_rl`` trains on ``TaskEnv``s of the train split with the environment's own reward;
``RLProposer`` lets sim2act's evaluation (``sim2act.evaluation.evaluate_proposer``) measure the
trained models exactly as it measures sim2act's policies.
"""

from sim2act.baselines.extractor import FiLMExtractor
from sim2act.baselines.sb3_proposer import GaussianActions, RLProposer
from sim2act.baselines.sb3_training import (
    RL_ALGORITHMS,
    RLAlgorithm,
    RLConfig,
    RLModel,
    RLRun,
    get_algorithm,
    load_rl,
    train_rl,
)
from sim2act.baselines.task_env import InstructionEncoder, TaskEnv

__all__ = [
    "RL_ALGORITHMS",
    "FiLMExtractor",
    "GaussianActions",
    "InstructionEncoder",
    "RLAlgorithm",
    "RLConfig",
    "RLModel",
    "RLProposer",
    "RLRun",
    "TaskEnv",
    "get_algorithm",
    "load_rl",
    "train_rl",
]
