"""The ``clip`` backend: the vision and text towers of a Hugging Face ``CLIPModel``.

Checkpoints are read from a local folder or the local HF cache only; nothing is downloaded. The
same code loads OpenAI's CLIP weights and sim2act's simulator-pretrained prior (a small CLIPModel
with a word-level tokenizer).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from sim2act.errors import Sim2ActError

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
_PROBE = "go to the red ball"


def load_clip(source: str | Path, *, weights: bool = True):
    """The ``CLIPModel`` and tokenizer at ``source`` (a folder or a cached hub id), offline.

    ``weights=False`` builds the architecture from its config only (the weights come from elsewhere,
    e.g. a sim2act policy checkpoint).
    """
    from transformers import AutoTokenizer, CLIPConfig, CLIPModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    source = str(source)
    try:
        if weights:
            model = CLIPModel.from_pretrained(source, local_files_only=True)
        else:
            model = CLIPModel(CLIPConfig.from_pretrained(source, local_files_only=True))
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    except (OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Sim2ActError(
            f"no usable CLIP checkpoint at {source!r} (sim2act never downloads weights; pass a local folder): {first}"
        ) from None
    check_tokenizer(tokenizer, source)
    return model, tokenizer


def check_tokenizer(tokenizer, source: str) -> None:
    """Refuse a tokenizer with no vocabulary: offline, ``transformers`` can return one silently."""
    ids = tokenizer(_PROBE)["input_ids"]
    special = set(tokenizer.all_special_ids)
    if len(tokenizer) == 0 or not [i for i in ids if i not in special]:
        raise Sim2ActError(
            f"the tokenizer at {source!r} has an empty vocabulary (it encodes {_PROBE!r} to special tokens "
            "only); its vocabulary files are missing or unreadable"
        )


def image_statistics(source: str | Path) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Pixel mean and std of the checkpoint's image processor, or CLIP's when it has none."""
    config = Path(source) / "preprocessor_config.json"
    if config.is_file():
        data = json.loads(config.read_text())
        return tuple(data.get("image_mean", CLIP_MEAN)), tuple(data.get("image_std", CLIP_STD))
    return CLIP_MEAN, CLIP_STD


def clip_pixel_values(frames: torch.Tensor, image_size: int, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """(N, H, W, C) uint8 frames → CLIP's normalised (N, 3, S, S) pixel values, resized to ``image_size`` when they differ."""
    x = frames[..., :3].permute(0, 3, 1, 2).float().div_(255.0)
    if x.shape[-2:] != (image_size, image_size):
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False)
    return (x - mean) / std


class ClipVisionEncoder(nn.Module):
    """Each frame of the window through CLIP's ViT; the patch tokens of all frames, tagged with their time.

    CLIP reads RGB: a depth channel of the composed image (``sim2act.observations``) is not seen by this backend.
    """

    def __init__(self, clip, memory: int, d_model: int, mean, std) -> None:
        super().__init__()
        self.clip_config = clip.config
        """The whole CLIP config, saved with the policy so a checkpoint rebuilds without the original folder."""
        self.vision_model = clip.vision_model
        self.visual_projection = clip.visual_projection
        hidden = clip.config.vision_config.hidden_size
        self.image_size = clip.config.vision_config.image_size
        self.to_tokens = nn.Linear(hidden, d_model)
        self.to_pooled = nn.Linear(clip.config.projection_dim, d_model)
        self.time = nn.Parameter(torch.zeros(1, memory, 1, d_model))
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)

    def freeze_backbone(self) -> None:
        """Freeze CLIP's vision tower; the new projections and time embedding still train."""
        self.vision_model.requires_grad_(False)
        self.visual_projection.requires_grad_(False)

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Raw frames are what this encoder reads."""
        return frames

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames (B, k, H, W, C) uint8 → tokens (B, k·(1+P), d) and the last frame's pooled embedding."""
        b, k, h, w, c = frames.shape
        pixels = clip_pixel_values(frames.reshape(b * k, h, w, c), self.image_size, self.mean, self.std)
        out = self.vision_model(pixel_values=pixels)
        tokens = self.to_tokens(out.last_hidden_state).view(b, k, -1, self.time.shape[-1]) + self.time[:, -k:]
        pooled = self.to_pooled(self.visual_projection(out.pooler_output)).view(b, k, -1)[:, -1]
        return tokens.flatten(1, 2), pooled


class ClipTextEncoder(nn.Module):
    """CLIP's text transformer; token ids come from the checkpoint's own tokenizer."""

    def __init__(self, clip, d_model: int) -> None:
        super().__init__()
        self.text_model = clip.text_model
        self.text_projection = clip.text_projection
        self.to_tokens = nn.Linear(clip.config.text_config.hidden_size, d_model)
        self.to_pooled = nn.Linear(clip.config.projection_dim, d_model)

    def freeze_backbone(self) -> None:
        """Freeze CLIP's text tower; the new projections still train."""
        self.text_model.requires_grad_(False)
        self.text_projection.requires_grad_(False)

    def word_contents(self, ids: torch.Tensor) -> torch.Tensor:
        """Each token's input embedding (before CLIP adds positions), projected to d_model: (B, L, d)."""
        return self.to_tokens(self.text_model.embeddings.token_embedding(ids))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.text_model(input_ids=ids, attention_mask=mask.long())
        return self.to_tokens(out.last_hidden_state), self.to_pooled(self.text_projection(out.pooler_output))


class HFTokenizer:
    """Adapts a Hugging Face tokenizer to sim2act's ``encode(texts) -> (ids, mask)``."""

    def __init__(self, tokenizer, max_length: int) -> None:
        self.tokenizer = tokenizer
        self.max_length = max_length

    def __len__(self) -> int:
        return len(self.tokenizer)

    def encode(self, texts) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        return out["input_ids"], out["attention_mask"].bool()

    def save(self, folder: Path) -> None:
        self.tokenizer.save_pretrained(str(folder))

