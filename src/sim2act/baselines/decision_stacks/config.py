"""``DecisionStacksConfig``: everything that determines a Decision Stacks run (the output folder does not)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sim2act.envs import check_env_options, get_domain
from sim2act.errors import Sim2ActError
from sim2act.validation import check_positive


@dataclass(frozen=True)
class DecisionStacksConfig:
    """Decision Stacks (Zhao & Grover, 2023) on a sim2act dataset; see ``sim2act.baselines.decision_stacks``."""

    domain: str = "grid"
    """Simulator domain of the data (its action space and camera)."""
    level: str | None = None
    """Level the data was collected on (None: the domain's default)."""
    env: dict[str, Any] = field(default_factory=dict)
    """Env options of the data's envs."""
    data: str = ""
    """The sim2act dataset it learns from (offline: the Sim2Act loop's data)."""
    prior: str = ""
    """π0, whose frozen towers give the latent space of frames and the goal embedding of instructions."""
    horizon: int = 8
    """Future frames the observation model generates (and rewards and actions are read along)."""
    d_model: int = 128
    """Width of the three transformers."""
    layers: int = 2
    """Layers of each transformer (encoder and decoder alike)."""
    heads: int = 4
    """Attention heads."""
    diffusion_steps: int = 10
    """Denoising steps of the observation model (few: a CPU samples it at every env step)."""
    guidance: float = 1.5
    """Classifier-free guidance weight w of the goal: ε = (1 + w)·ε(goal) − w·ε(no goal)."""
    goal_dropout: float = 0.25
    """Share of training windows whose goal is dropped, so the observation model also learns ε(no goal)."""
    train_steps: int = 2000
    """Optimizer steps of each module (they train independently, one after the other)."""
    batch_size: int = 128
    """Windows per step."""
    learning_rate: float = 3e-4
    """Adam learning rate."""
    seed: int = 0
    """Seed of initialisation, batches and sampling."""
    torch_threads: int = 2
    """Intra-op threads of torch while training."""

    def validated(self) -> DecisionStacksConfig:
        """Check the numbers; bad input is a one-line ``Sim2ActError``."""
        if not self.data or not self.prior:
            raise Sim2ActError("Decision Stacks needs a dataset (data) and a prior π0 (prior)")
        check_positive(self, ("horizon", "d_model", "layers", "heads", "diffusion_steps", "train_steps", "batch_size",
                              "torch_threads"), flags=False)
        if self.d_model % self.heads:
            raise Sim2ActError(f"d_model {self.d_model} must be a multiple of heads {self.heads}")
        if not 0 <= self.goal_dropout < 1 or self.guidance < 0 or self.learning_rate <= 0:
            raise Sim2ActError("need goal_dropout in [0, 1), guidance >= 0 and a positive learning_rate")
        level = get_domain(self.domain).resolve_level(self.level)
        check_env_options(self.domain, level, self.env)
        return DecisionStacksConfig(**{**asdict(self), "level": level, "env": dict(self.env)})
