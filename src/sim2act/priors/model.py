"""A small Hugging Face ``CLIPModel`` for simulator frames, with a word-level tokenizer of the task grammar."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from sim2act.models.clip_embedder import ClipEmbedder
from sim2act.models.clip_encoders import CLIP_MEAN, CLIP_STD
from sim2act.models.hf_word_tokenizer import build_hf_word_tokenizer
from sim2act.priors.config import PriorConfig


def build_prior(config: PriorConfig, vocabulary: Sequence[str], image_size: int) -> ClipEmbedder:
    """A randomly initialised CLIP (seeded by ``config.seed``) whose vision tower reads ``image_size`` frames."""
    from transformers import CLIPConfig, CLIPModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    tokenizer = build_hf_word_tokenizer(vocabulary)
    tower = dict(
        hidden_size=config.hidden_size,
        intermediate_size=4 * config.hidden_size,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
    )
    clip_config = CLIPConfig(
        text_config=dict(
            **tower,
            vocab_size=len(tokenizer),
            max_position_embeddings=tokenizer.model_max_length,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        ),
        vision_config=dict(**tower, image_size=image_size, patch_size=config.patch_size, num_channels=3),
        projection_dim=config.projection_dim,
    )
    torch.manual_seed(config.seed)
    return ClipEmbedder(CLIPModel(clip_config), tokenizer, CLIP_MEAN, CLIP_STD)
