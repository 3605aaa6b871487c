"""What a policy is built from: hyperparameters (``PolicyConfig``) and what the data fixes (``PolicySpec``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim2act.errors import Sim2ActError

ENCODER_MODES = ("finetune", "frozen")
VISION_STEMS = ("factored", "patch")


@dataclass(frozen=True)
class PolicyConfig:
    """Hyperparameters of π_θ(a | o, ℓ)."""

    encoder: str = "small"
    """Encoder backend: ``small`` (CNN + word transformer, from scratch) or ``clip`` (Hugging Face CLIPModel)."""
    clip_path: str | None = None
    """Local folder (or HF cache id) of a CLIP checkpoint for ``encoder=clip``; never downloaded."""
    init_from: str | None = None
    """A vision-language prior checkpoint whose encoder weights initialise this policy's encoders."""
    vision_stem: str | None = None
    """Tokens of the ``small`` encoder: ``factored`` (a colour plus a form embedding per cell) or ``patch`` (an MLP
    of the pixels); None: the domain's default (``Domain.vision``)."""
    patch_size: int | None = None
    """Pixels per visual token side of the ``small`` encoder; None: the domain's (``Domain.vision``)."""
    encoder_mode: str = "finetune"
    """``finetune`` trains the encoders with the rest; ``frozen`` keeps their weights fixed."""
    d_model: int = 64
    """Width of every token and of the joint context h_c."""
    heads: int = 4
    """Attention heads in the text encoder and the fusion layers."""
    text_layers: int = 0
    """Self-attention layers of the small text encoder before fusion (0: word + position embeddings; see policy.py)."""
    fusion_layers: int = 2
    """Cross-attention layers from instruction tokens to visual and proprioceptive tokens."""
    memory: int = 3
    """Observations in the policy's window (the current one and ``memory - 1`` before it)."""
    action_bins: int = 256
    """Bins per dimension of a Box action space (RT-1 style); unused for discrete actions."""
    dropout: float = 0.0
    """Dropout in attention blocks and MLPs."""

    def validated(self) -> PolicyConfig:
        if self.encoder not in ("small", "clip"):
            raise Sim2ActError(f"unknown encoder {self.encoder!r}; known: small, clip")
        if self.vision_stem is not None and self.vision_stem not in VISION_STEMS:
            raise Sim2ActError(f"unknown vision stem {self.vision_stem!r}; known: {', '.join(VISION_STEMS)}")
        if self.encoder_mode not in ENCODER_MODES:
            raise Sim2ActError(f"unknown encoder mode {self.encoder_mode!r}; known: {', '.join(ENCODER_MODES)}")
        if self.encoder == "clip" and not (self.clip_path or self.init_from):
            raise Sim2ActError("encoder 'clip' needs --clip-path (a local CLIP checkpoint folder) or --init-from")
        if (
            self.memory < 1 or self.heads < 1 or self.d_model % self.heads or self.action_bins < 2
            or self.text_layers < 0 or self.fusion_layers < 1 or (self.patch_size is not None and self.patch_size < 1)
        ):
            raise Sim2ActError(
                f"bad policy shape: memory={self.memory} (>= 1), d_model={self.d_model} "
                f"(a multiple of heads={self.heads}), action_bins={self.action_bins} (>= 2), "
                f"text_layers={self.text_layers} (>= 0), fusion_layers={self.fusion_layers} (>= 1)"
            )
        return self


@dataclass(frozen=True)
class PolicySpec:
    """The observation and action spaces a policy is built for, read off a dataset card."""

    domain: str
    image_shape: tuple[int, int, int]
    """(H, W, C) of ``rgb``."""
    proprio_size: int
    action_space: dict[str, Any] = field(default_factory=dict)
    """The dataset card's JSON action space: ``{"type": "discrete", "n": 7, ...}`` or a ``box`` with low/high."""
    has_depth: bool = False
    levels: tuple[str, ...] = ()
    """Levels of the data the policy was built for: ``sim2act eval``'s default levels."""

    @property
    def discrete(self) -> bool:
        return self.action_space["type"] == "discrete"

    @property
    def action_dim(self) -> int:
        """Number of discrete actions, or the Box's dimension."""
        return int(self.action_space["n"]) if self.discrete else len(self.action_low)

    @property
    def action_low(self) -> list[float]:
        """The Box's lower bounds, flattened."""
        return _flat(self.action_space["low"])

    @property
    def action_high(self) -> list[float]:
        """The Box's upper bounds, flattened."""
        return _flat(self.action_space["high"])

    @classmethod
    def from_card(cls, card) -> PolicySpec:
        rgb = card.features["rgb"]
        proprio = card.features.get("proprio", {"shape": [0]})
        return cls(
            domain=card.domain,
            image_shape=tuple(rgb["shape"]),
            proprio_size=int(_prod(proprio["shape"])),
            action_space=dict(card.action_space),
            has_depth="depth" in card.features,
            levels=tuple(sorted({run["config"]["level"] for run in card.runs})),
        )

    def compatible_with(self, other: PolicySpec) -> str | None:
        """Why a policy built for ``self`` cannot use data of ``other``, or None when it can."""
        for name in ("image_shape", "proprio_size", "has_depth"):
            if getattr(self, name) != getattr(other, name):
                return f"{name} {getattr(other, name)} != the policy's {getattr(self, name)}"
        mine = {k: v for k, v in self.action_space.items() if k != "names"}
        theirs = {k: v for k, v in other.action_space.items() if k != "names"}
        if mine != theirs:
            return f"action space {theirs} != the policy's {mine}"
        return None


def _prod(shape) -> int:
    out = 1
    for s in shape:
        out *= int(s)
    return out


def _flat(values) -> list[float]:
    return [x for v in values for x in _flat(v)] if isinstance(values, list) else [values]
