"""``TrainConfig``: every knob of ``sim2act train``, saved with every checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig
from sim2act.validation import config_from_dict

MAX_SHIFT = 16
"""The largest random shift in pixels (a quarter of a 64-pixel frame)."""


@dataclass(frozen=True)
class TrainConfig:
    """Behaviour cloning plus contrastive action alignment on a sim2act dataset."""

    data: str
    """Dataset folder made by ``sim2act generate`` (or the loop)."""
    replay: str | None = None
    """A second dataset mixed into every batch: fine-tuning on a few new episodes replays the data the policy was
    trained on, so that it does not forget it. None: ``data`` alone."""
    replay_fraction: float = 0.5
    """The share of each batch drawn from ``replay``."""
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    """The policy's architecture (ignored when ``init_policy`` is set: that checkpoint's is used)."""
    init_policy: str | None = None
    """A policy checkpoint whose weights start this run (fine-tuning) instead of a fresh policy."""
    steps: int = 4000
    """Optimizer steps in total (a resumed run continues up to this number)."""
    batch_size: int = 256
    """Samples per optimizer step."""
    lr: float = 1e-3
    """Peak learning rate of AdamW."""
    weight_decay: float = 0.05
    """AdamW weight decay (not applied to biases, norms, embeddings and positions)."""
    warmup_steps: int = 200
    """Linear warm-up steps before the cosine decay."""
    min_lr_ratio: float = 0.1
    """The cosine decays to this fraction of the peak learning rate."""
    grad_clip: float = 1.0
    """Clip the global gradient norm to this value."""
    contrastive_weight: float = 0.5
    """λ in L = L_BC + λ·L_con; 0 switches the contrastive term off."""
    temperature: float = 0.1
    """τ of the multi-positive InfoNCE."""
    jitter: float = 0.0
    """Photometric jitter strength of the training frames (``training.jitter``: brightness, contrast, white balance
    and noise at random, for another renderer or a real camera); 0: frames as recorded."""
    shift: int = 0
    """Random shift of the training frames by up to this many pixels (``training.shift``, as DrQ: for a first-person
    camera; refused for policies whose actions name image cells); 0: frames as recorded."""
    seed: int = 0
    """Seed of initialisation and batch order; equal seeds give equal runs."""
    device: str = "auto"
    """``auto`` (a GPU when present, else the CPU), ``cpu`` or ``cuda[:i]``."""
    log_every: int = 100
    """Optimizer steps between log lines and TensorBoard points."""
    checkpoint_every: int = 1000
    """Optimizer steps between checkpoints (the last step is always saved)."""

    def validated(self) -> TrainConfig:
        numbers = ("steps", "batch_size", "lr", "weight_decay", "warmup_steps", "min_lr_ratio", "grad_clip",
                   "contrastive_weight", "temperature", "jitter", "replay_fraction", "log_every", "checkpoint_every")
        for name in numbers:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Sim2ActError(f"{name} must be a number, got {value!r}")
        positive = ("steps", "batch_size", "log_every", "checkpoint_every")
        for name in positive:
            if getattr(self, name) < 1:
                raise Sim2ActError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.lr <= 0 or self.temperature <= 0 or self.contrastive_weight < 0 or self.grad_clip <= 0:
            raise Sim2ActError(
                f"need lr > 0, temperature > 0, contrastive weight >= 0 and grad clip > 0; got lr={self.lr}, "
                f"temperature={self.temperature}, contrastive_weight={self.contrastive_weight}, grad_clip={self.grad_clip}"
            )
        if not 0 < self.replay_fraction < 1:
            raise Sim2ActError(f"--replay-fraction must lie strictly between 0 and 1, got {self.replay_fraction}")
        if self.replay and self.batch_size < 2:
            raise Sim2ActError(f"--replay needs a batch of at least 2 rows (one of each dataset), got {self.batch_size}")
        if not 0 <= self.jitter < 1:
            raise Sim2ActError(f"--jitter must lie in [0, 1), got {self.jitter}")
        if isinstance(self.shift, bool) or not isinstance(self.shift, int) or not 0 <= self.shift <= MAX_SHIFT:
            raise Sim2ActError(f"--shift must be a whole number of pixels in [0, {MAX_SHIFT}], got {self.shift!r}")
        if self.warmup_steps < 0 or not 0 <= self.min_lr_ratio <= 1:
            raise Sim2ActError("--warmup-steps must be >= 0 and --min-lr-ratio in [0, 1]")
        self.policy.validated()
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        data = dict(data)
        data["policy"] = config_from_dict(PolicyConfig, data.get("policy", {}))
        return config_from_dict(cls, data)
