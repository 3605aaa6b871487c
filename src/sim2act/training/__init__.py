"""Train π_θ on a sim2act dataset: L = L_BC + λ·L_con, checkpoints, resume."""

from sim2act.training.checkpoints import resolve_policy_folder
from sim2act.training.config import TrainConfig
from sim2act.training.trainer import TrainSummary, train

__all__ = ["TrainConfig", "TrainSummary", "resolve_policy_folder", "train"]
