"""π_θ(a | o, ℓ): vision and language encoders, cross-attention fusion and action heads."""

from sim2act.models.config import PolicyConfig, PolicySpec
from sim2act.models.factory import build_policy
from sim2act.models.policy import PolicyOutput, VisionLanguagePolicy
from sim2act.models.policy_io import load_policy, read_policy_meta, save_policy

__all__ = [
    "PolicyConfig",
    "PolicyOutput",
    "PolicySpec",
    "VisionLanguagePolicy",
    "build_policy",
    "load_policy",
    "read_policy_meta",
    "save_policy",
]
