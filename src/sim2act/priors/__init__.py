"""The vision-language prior π0: a small CLIP pretrained on simulator frames and their captions.

``pretrain_prior`` collects (frame, caption) pairs on train-split tasks and trains it contrastively;
``ClipEmbedder.load`` reads it back (or any local CLIP folder) for the preview proposer.
"""

from sim2act.models.clip_embedder import ClipEmbedder
from sim2act.priors.config import PriorConfig
from sim2act.priors.io import is_prior, read_prior_info
from sim2act.priors.pretrain import PretrainSummary, pretrain_prior

__all__ = [
    "ClipEmbedder",
    "PretrainSummary",
    "PriorConfig",
    "is_prior",
    "pretrain_prior",
    "read_prior_info",
]
