"""Frames and texts into a CLIPModel's shared embedding space: one path for sim2act priors and OpenAI CLIP.

Frames are resized to the model's vision ``image_size`` when they differ and normalised with the
folder's image-processor statistics (CLIP's own constants when it has none), exactly as the
policy's ``clip`` backend reads them (``sim2act.models.clip_encoders``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from sim2act.models.clip_encoders import clip_pixel_values, image_statistics, load_clip


class ClipEmbedder(nn.Module):
    """Unit-norm image and text embeddings of a Hugging Face ``CLIPModel``."""

    def __init__(self, model, tokenizer, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        self.image_size = int(model.config.vision_config.image_size)
        self.max_length = int(model.config.text_config.max_position_embeddings)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)

    @classmethod
    def load(cls, folder: str | Path) -> ClipEmbedder:
        """The CLIP checkpoint at ``folder`` (a sim2act prior or any local CLIP folder), in eval mode."""
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # its weight-loading bar would break the CLI's progress bar
        model, tokenizer = load_clip(folder)
        mean, std = image_statistics(folder)
        return cls(model, tokenizer, mean, std).eval()

    @property
    def logit_scale(self) -> float:
        """CLIP's learned inverse temperature of its cosine similarities."""
        return float(self.model.logit_scale.detach().exp())

    def images(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, H, W, C) uint8 frames → (B, D) unit embeddings."""
        return self.images_and_patches(frames, patches=False)[0]

    def patch_grid(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, H, W, C) uint8 frames → (B, D, h, w) unit embeddings of every patch token in the shared space."""
        return self.images_and_patches(frames)[1]

    def images_and_patches(self, frames: torch.Tensor, patches: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Both of the above from one pass of the vision tower (the patch grid only when ``patches``).

        A patch's embedding is its last hidden state through the tower's final norm and the visual projection,
        the path the class token takes to the frame's embedding (as in MaskCLIP, Zhou et al. 2022).
        """
        vision = self.model.vision_model
        out = vision(pixel_values=clip_pixel_values(frames, self.image_size, self.mean, self.std))
        image = F.normalize(self.model.visual_projection(out.pooler_output), dim=-1)
        if not patches:
            return image, None
        tokens = F.normalize(self.model.visual_projection(vision.post_layernorm(out.last_hidden_state[:, 1:])), dim=-1)
        side = self.image_size // int(self.model.config.vision_config.patch_size)
        return image, tokens.transpose(1, 2).reshape(len(tokens), -1, side, side)

    @staticmethod
    def at_points(grid: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        """(B, P, D) unit embeddings read off a patch grid (B, D, h, w) at points (B, P, 2) given as fractions
        (x of the width, y of the height), interpolated bilinearly between patch centres."""
        sampled = F.grid_sample(grid, points[:, :, None, :].to(grid.dtype) * 2 - 1, padding_mode="border",
                                align_corners=False)
        return F.normalize(sampled[..., 0].transpose(1, 2), dim=-1)

    def tokenize(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and attention mask of ``texts``, padded to the longest."""
        out = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        return out["input_ids"], out["attention_mask"]

    def token_embeddings(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Tokenized texts → (T, D) unit embeddings."""
        out = self.model.text_model(input_ids=ids, attention_mask=mask)
        return F.normalize(self.model.text_projection(out.pooler_output), dim=-1)

    def texts(self, texts: Sequence[str]) -> torch.Tensor:
        """(T, D) unit embeddings of ``texts``."""
        return self.token_embeddings(*self.tokenize(texts))
