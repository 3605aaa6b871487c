"""``LoopConfig``: everything ``sim2act run`` does, readable from a TOML or JSON file.

A config file holds the fields of ``LoopConfig`` at the top level and optional ``[policy]``,
``[train]``, ``[env]`` and ``[prior_env]`` tables (fields of ``PolicyConfig``, ``TrainConfig``'s optimisation knobs and
the env options of the domain's build, e.g. ``tile_size = 8`` on the grid). Shipped
configs live beside this module and are named without their suffix (``sim2act run --config long``).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sim2act.envs import check_env_options, get_domain
from sim2act.errors import Sim2ActError
from sim2act.labels import LABELERS
from sim2act.models import PolicyConfig
from sim2act.proposers import check_prior_options
from sim2act.training.config import TrainConfig
from sim2act.validation import check_above_zero, check_positive, config_from_dict

SHIPPED_CONFIGS = Path(__file__).parent / "configs"
ROUND0_PROPOSERS = ("prior", "uniform")
TRAIN_KNOBS = ("batch_size", "lr", "weight_decay", "warmup_steps", "min_lr_ratio", "grad_clip",
               "contrastive_weight", "temperature", "jitter", "shift", "device")


@dataclass(frozen=True)
class LoopConfig:
    """The Sim2Act loop: π0 proposes, the simulator labels, π_θ learns, repeat."""

    domain: str = "grid"
    """Simulator domain."""
    level: str | None = None
    """Level the data is collected on and the policy is measured on (None: the domain's default level)."""
    co_levels: list[str] = field(default_factory=list)
    """Further levels whose train-split tasks share every round's episodes (and the prior's frames) with ``level``'s,
    so π_θ also learns their words; the policy is still measured on ``level`` alone."""
    prior: str = ""
    """A CLIP-architecture checkpoint folder for π0 (real CLIP weights work); empty: pretrain one first."""
    prior_frames: int = 8_000
    """Simulator-captioned frames for pretraining the prior (when ``prior`` is empty)."""
    prior_steps: int = 400
    """Optimizer steps of prior pretraining (when ``prior`` is empty)."""
    prior_temperature: float | None = None
    """T of π0's softmax(score / T) over previewed actions; None: the prior's own 1 / logit scale."""
    reuse_previews: bool | None = None
    """π0 reuses a state's scores when an episode returns to it instead of previewing it again; None: where the
    domain reports exact state keys."""
    prior_mode: str = "preview"
    """How π0 proposes (``proposers.PRIOR_MODES``): ``preview`` (score every action's outcome frame), ``cells`` (score
    the image's cells against the instruction's phrases, no previews) or ``cells+preview``."""
    prior_candidates: int | None = None
    """Actions π0 previews per step (sampled in ``preview`` mode where there are too many to preview all; the best
    cell-scored ones in ``cells+preview``); None: the proposer's default."""
    prior_horizon: int = 1
    """Steps each sampled Box action is held for in π0's previews and, once chosen, in the env (an action chunk;
    ``preview`` mode only)."""
    caption_discount: float | None = None
    """γ of the prior's captions (a caption d steps from true is drawn with probability γ^d); None: the prior's
    default. Near 1 where instructions are many steps from true (continuous control)."""
    round0_proposer: str = "prior"
    """Who collects round 0: ``prior`` (π0 with previews) or ``uniform`` (the ablation)."""
    labels: str = "both"
    """Self-supervised labels: success, hindsight, both or none."""
    erase_loops: bool | None = None
    """Cut detours out of kept episodes wherever the simulator state repeats (``labels.loops``); None: where
    the domain reports exact state keys."""
    shortcuts: bool = False
    """Straighten kept paths toward where they ended, where the simulator confirms the straight run succeeds
    (``labels.shortcuts``; needs loop erasure and a domain that can steer; the trials count as preview steps)."""
    alpha: float = 0.9
    """Rounds >= 1 collect with alpha * π_θ + (1 - alpha) * Uniform."""
    retries: int = 0
    """Rounds >= 1 roll each task whose rollout failed out again, up to this many more times, and label its first
    success (``rollout.retries``): data on the tasks π_θ fails on; every attempt's steps are executed steps."""
    policy_temperature: float = 1.0
    """Temperature π_θ samples its actions at wherever it acts in the loop: collecting rounds >= 1 and every
    evaluation (``proposers.policy.sharpen``; below 1 its likelier actions more often)."""
    rounds: int = 3
    """Most rounds (round 0 included)."""
    round0_episodes: int = 600
    """Episodes collected in round 0."""
    episodes_per_round: int = 1500
    """Episodes collected in each later round."""
    env_step_budget: int = 1_000_000
    """No new round starts once this many executed env steps are spent (previews and prior frames are counted apart)."""
    round0_train_steps: int = 800
    """Optimizer steps that train π_θ from scratch after round 0."""
    train_steps_per_round: int = 1000
    """Optimizer steps that fine-tune π_θ, from the previous round's weights, after each later round."""
    train_epochs: float | None = None
    """When set, every round trains π_θ from scratch on all the data so far, for this many passes over its kept steps
    (the two step counts above are then unused): fine-tuned round after round, a policy fits the first rounds' few
    episodes exactly and carries that on."""
    patience: int = 2
    """Stop after this many rounds without a validation improvement of at least ``min_improvement``."""
    min_improvement: float = 0.01
    """Validation success gain (absolute) that counts as an improvement."""
    ceiling: float | None = None
    """Stop as soon as validation success reaches this (e.g. 1.0): no later round can improve on it; None: no ceiling."""
    val_episodes: int = 150
    """Validation episodes per round (the stopping rule reads them)."""
    test_episodes_per_round: int = 150
    """Episodes on each held-out split per round, for the success-against-env-steps curve."""
    final_episodes: int = 300
    """Episodes on each held-out split for the final evaluation of the best round."""
    gifs: int = 6
    """Episodes of the final evaluation saved as captioned GIFs."""
    num_envs: int = 16
    """Envs stepped together in one process."""
    seed: int = 0
    """Seed of task sampling, proposers, prior pretraining and training."""
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    """π_θ's architecture; ``encoder = "clip"`` with no ``clip_path`` starts its encoders from the prior."""
    train: dict[str, Any] = field(default_factory=dict)
    """Overrides of ``TrainConfig``'s optimisation knobs (batch_size, lr, contrastive_weight, ...)."""
    env: dict[str, Any] = field(default_factory=dict)
    """Env options of the domain's build, for every env of the run: prior frames, collection, evaluation."""
    prior_env: dict[str, Any] = field(default_factory=dict)
    """Env options over ``env`` for the prior's pretraining frames only (e.g. the tabletop's ``action_mode =
    "pick_place"``, whose frames show the table with the arm parked out of view); their steps count as the prior's."""

    def validated(self) -> LoopConfig:
        """Check the numbers; bad input is a one-line ``Sim2ActError`` naming it."""
        if self.round0_proposer not in ROUND0_PROPOSERS:
            raise Sim2ActError(f"round0_proposer must be one of {', '.join(ROUND0_PROPOSERS)}, got {self.round0_proposer!r}")
        if self.labels not in LABELERS:
            raise Sim2ActError(f"labels must be one of {', '.join(LABELERS)}, got {self.labels!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise Sim2ActError(f"alpha must lie in [0, 1], got {self.alpha}")
        check_above_zero(self.policy_temperature, "policy_temperature")
        if self.train_epochs is not None and not self.train_epochs > 0:
            raise Sim2ActError(f"train_epochs must be positive, got {self.train_epochs}")
        if self.ceiling is not None and not 0.0 < self.ceiling <= 1.0:
            raise Sim2ActError(f"ceiling must lie in (0, 1], got {self.ceiling}")
        positive = ("rounds", "round0_episodes", "episodes_per_round", "env_step_budget", "round0_train_steps",
                    "train_steps_per_round", "val_episodes", "test_episodes_per_round", "final_episodes", "num_envs")
        check_positive(self, positive, flags=False)
        check_positive(self, ("retries",), minimum=0, flags=False)
        if self.patience < 1 or self.gifs < 0 or (self.prior_temperature is not None and self.prior_temperature <= 0):
            raise Sim2ActError("patience must be >= 1, gifs >= 0 and prior_temperature > 0")
        unknown = sorted(set(self.train) - set(TRAIN_KNOBS))
        if unknown:
            raise Sim2ActError(f"unknown [train] keys: {', '.join(unknown)}; known: {', '.join(TRAIN_KNOBS)}")
        TrainConfig(data="", **self.train).validated()  # a bad knob fails here, before π0 is pretrained
        domain = get_domain(self.domain)
        level = domain.resolve_level(self.level)
        check_env_options(self.domain, level, self.env)
        co_levels = [domain.resolve_level(co) for co in self.co_levels]
        if level in co_levels or len(set(co_levels)) < len(co_levels):
            raise Sim2ActError(f"co_levels must name levels other than {level!r}, each once; got {self.co_levels}")
        for co in co_levels:
            check_env_options(self.domain, co, self.env)
        check_env_options(self.domain, level, {**self.env, **self.prior_env})
        erase_loops = domain.exact_state_keys if self.erase_loops is None else self.erase_loops
        if erase_loops and not domain.exact_state_keys:
            raise Sim2ActError(f"erase_loops: domain {self.domain!r} reports no exact state keys to find loops by")
        if self.shortcuts and not (erase_loops and domain.steer is not None and self.labels != "none"):
            raise Sim2ActError(f"shortcuts needs loop erasure, labels other than none and a domain that can steer "
                               f"({self.domain!r} {'can' if domain.steer else 'cannot'})")
        reuse_previews = domain.exact_state_keys if self.reuse_previews is None else self.reuse_previews
        if reuse_previews and not domain.exact_state_keys:
            raise Sim2ActError(f"reuse_previews: domain {self.domain!r} reports no exact state keys to recognise a state by")
        check_prior_options(self.prior_mode, self.prior_candidates, self.prior_horizon, flags=False)
        if self.caption_discount is not None and not 0 < self.caption_discount <= 1:
            raise Sim2ActError(f"caption_discount must lie in (0, 1], got {self.caption_discount}")
        previews = self.prior_mode != "cells"
        if self.round0_proposer == "prior" and previews and not domain.preview:
            raise Sim2ActError(f"round0_proposer 'prior' previews actions; domain {self.domain!r} declares no previews")
        if self.round0_proposer == "prior" and not self.prior and domain.captions is None:
            raise Sim2ActError(f"domain {self.domain!r} has no captioner to pretrain π0 on: set prior to a CLIP folder")
        # A clip policy with no clip_path gets π0's folder when the loop trains it (rounds._train).
        replace(self.policy, clip_path=self.policy.clip_path or self.prior or "the pretrained prior").validated()
        return replace(self, level=level, co_levels=co_levels, erase_loops=erase_loops, reuse_previews=reuse_previews,
                       env=dict(self.env), prior_env=dict(self.prior_env))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoopConfig:
        data = dict(data)
        data["policy"] = config_from_dict(PolicyConfig, dict(data.get("policy", {})))
        data["train"] = dict(data.get("train", {}))
        for table in ("env", "prior_env"):
            if not isinstance(data.get(table, {}), dict):
                raise Sim2ActError(f"{table} must be a table of env options, got {data[table]!r}")
            data[table] = dict(data.get(table, {}))
        return config_from_dict(cls, data)


def load_loop_config(source: str | Path) -> LoopConfig:
    """A config from a TOML/JSON file, or a shipped config's name (``quick``, ``long``)."""
    path = Path(source)
    if not path.is_file() and (SHIPPED_CONFIGS / f"{source}.toml").exists():
        path = SHIPPED_CONFIGS / f"{source}.toml"
    if not path.is_file():
        raise Sim2ActError(f"--config {source}: no such file (shipped configs: {', '.join(shipped_config_names())})")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise Sim2ActError(f"--config {path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {error}") from None
    try:
        return LoopConfig.from_dict(data).validated()
    except TypeError as error:
        raise Sim2ActError(f"--config {path}: {error}") from None


def shipped_config_names() -> list[str]:
    return sorted(p.stem for p in SHIPPED_CONFIGS.glob("*.toml"))


def default_config_name(domain: str | None) -> str:
    """The shipped config ``sim2act run`` uses for ``domain``: ``DOMAIN-quick`` where one ships, else ``quick``."""
    name = get_domain(domain).name if domain is not None else LoopConfig.domain
    if f"{name}-quick" in shipped_config_names():
        return f"{name}-quick"
    if name == LoopConfig.domain:
        return "quick"
    raise Sim2ActError(f"--domain {domain}: no shipped quick config for it; pass --config FILE with domain = {name!r}")
