"""``PriorConfig``: everything that determines a pretrained vision-language prior, saved in ``prior.json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim2act.envs import check_env_options, get_domain
from sim2act.errors import Sim2ActError
from sim2act.validation import check_positive


@dataclass(frozen=True)
class PriorConfig:
    """Contrastive pretraining of a small CLIP on simulator frames and their captions."""

    domain: str = "grid"
    """Simulator domain; it must have a captioner (``Domain.captions``)."""
    level: str | None = None
    """Level whose train-split tasks the frames are collected on (None: the domain's default level)."""
    co_levels: list[str] = field(default_factory=list)
    """Further levels whose train-split episodes alternate with ``level``'s (one episode each in turn)."""
    frames: int = 8_000
    """Frames collected from uniformly random episodes (each with all its captions)."""
    steps: int = 400
    """Optimizer steps; every step draws a fresh caption for each frame of its batch."""
    batch_size: int = 128
    """Frames per optimizer step."""
    lr: float = 2e-3
    """Peak AdamW learning rate."""
    weight_decay: float = 0.05
    """AdamW weight decay (not applied to biases, norms, embeddings and the logit scale)."""
    warmup_steps: int = 50
    """Linear warm-up steps before the cosine decay."""
    caption_discount: float = 0.6
    """γ: a caption ``steps`` actions from true is said of a frame with probability γ^steps (else its mention)."""
    region_weight: float = 1.0
    """Weight of the patch-level InfoNCE on the domain's regions (``Domain.regions``; domains without them skip it)."""
    regions_per_frame: int = 8
    """Regions drawn per frame and step for the patch-level loss: named ones first, then empty places."""
    held_out_fraction: float = 0.1
    """Fraction of the collected episodes kept out of training to measure retrieval accuracy."""
    hidden_size: int = 64
    """Width of both towers."""
    layers: int = 2
    """Transformer layers of each tower."""
    heads: int = 4
    """Attention heads of each tower."""
    projection_dim: int = 64
    """Width of the shared image-text embedding space."""
    patch_size: int | None = None
    """ViT patch side in pixels; None: the domain's token size (``Domain.vision``)."""
    seed: int = 0
    """Seed of task sampling, random actions, caption draws, initialisation and batch order."""
    env: dict[str, Any] = field(default_factory=dict)
    """Env options passed to the domain's build (``--env key=value``); the frames' tile size and so on."""

    def validated(self) -> PriorConfig:
        """Check the numbers and the domain; bad input is a one-line ``Sim2ActError``."""
        check_positive(self, ("frames", "steps", "batch_size", "hidden_size", "layers", "heads", "projection_dim",
                              "regions_per_frame"))
        if self.region_weight < 0:
            raise Sim2ActError(f"region_weight must be >= 0, got {self.region_weight}")
        if self.patch_size is not None:
            check_positive(self, ("patch_size",))
        if self.frames < 20:
            raise Sim2ActError(f"--frames must be at least 20 (some are held out for evaluation), got {self.frames}")
        if self.hidden_size % self.heads:
            raise Sim2ActError(f"--hidden-size {self.hidden_size} must be a multiple of --heads {self.heads}")
        if self.lr <= 0 or self.warmup_steps < 0 or self.weight_decay < 0:
            raise Sim2ActError(
                f"need lr > 0, warmup >= 0, weight decay >= 0; got {self.lr}, {self.warmup_steps}, {self.weight_decay}"
            )
        if not 0 < self.caption_discount <= 1 or not 0 < self.held_out_fraction < 1:
            raise Sim2ActError(
                f"--caption-discount must lie in (0, 1] and held_out_fraction in (0, 1); "
                f"got {self.caption_discount}, {self.held_out_fraction}"
            )
        domain = get_domain(self.domain)
        if domain.captions is None:
            raise Sim2ActError(f"domain {self.domain!r} has no captioner (Domain.captions) to pretrain a prior on")
        level = domain.resolve_level(self.level)
        co_levels = [domain.resolve_level(co) for co in self.co_levels]
        for each in (level, *co_levels):
            check_env_options(self.domain, each, self.env)
        patch_size = self.patch_size or domain.vision(self.env).patch_size
        return PriorConfig(**{**vars(self), "level": level, "co_levels": co_levels, "patch_size": patch_size,
                              "env": dict(self.env)})
