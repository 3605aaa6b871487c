"""Few-shot adaptation to a level a policy never trained on: a short Sim2Act loop from its weights.

From the trained policy π_θ, α·π_θ + (1−α)·Uniform collects N episodes on the new level's ``train``
split (or, with ``proposer = "prior"``, the frozen prior π0 collects them, as in a run's round 0: it
may ground words the policy never read in an instruction); the simulator labels them (verified successes and hindsight relabels, loop erasure where the
domain's state keys are exact); π_θ is fine-tuned on them from its own weights, the data it was trained on
replayed as half of every batch (``replay``: fine-tuned on a few episodes alone, it forgot more than it
learned; README, tabletop generalization and transfer), its frames recoloured as in its own training when that
used photometric jitter (else the replayed half would teach it the first renderer's exact colours again). No expert and no
reward: the same round as ``sim2act run``'s later rounds, on a budget of N episodes. With ``rounds > 1`` the N
episodes are spread over that many such rounds, each collected by the policy the previous one fine-tuned and each
fine-tuning on all the new episodes so far (a short loop: later rounds see the adapted policy's own successes and
failures). Its cost is the executed env steps of the N episodes plus any preview steps π0 ran, reported beside the figure.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.runs import run_config
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.progress import Progress
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train
from sim2act.training.checkpoints import TrainRunFolder, training_config_of

FEW_SHOT_PROPOSERS = ("policy", "prior")


@dataclass(frozen=True)
class FewShotConfig:
    """How a trained policy adapts to a new level on N self-collected episodes."""

    episodes: tuple[int, ...] = (10, 100)
    """Budgets N of self-collected episodes on the new level, one adapted policy each."""
    proposer: str = "policy"
    """Who collects the round: ``policy`` (alpha * π_θ + (1 - alpha) * Uniform, as ``sim2act run``'s later rounds)
    or ``prior`` (the run's π0, as its round 0)."""
    alpha: float = 0.9
    """The policy's share of the round's proposals (``proposer = "policy"``)."""
    labels: str = "both"
    """Self-supervised labels of the collected episodes (success, hindsight or both)."""
    train_steps: int = 200
    """Optimizer steps of each round's fine-tuning of π_θ on the new episodes so far."""
    lr: float = 3e-4
    """Peak learning rate of the fine-tuning (below training's 1e-3: the weights start trained)."""
    batch_size: int = 128
    """Fine-tuning batch (smaller datasets use all their rows per batch)."""
    replay: bool = True
    """Mix the data the policy was trained on into every fine-tuning batch, so a few new episodes add to what it
    knows instead of overwriting it (False: the new episodes alone)."""
    replay_fraction: float = 0.5
    """With ``replay``: the share of each fine-tuning batch drawn from the policy's own training data."""
    rounds: int = 1
    """Collect-and-fine-tune rounds sharing the N episodes (the first takes the remainder); each round after the first
    is collected by the policy the round before fine-tuned."""

    def __post_init__(self) -> None:
        if self.proposer not in FEW_SHOT_PROPOSERS:
            raise Sim2ActError(f"few-shot proposer must be one of {', '.join(FEW_SHOT_PROPOSERS)}, got {self.proposer!r}")
        if any(n < 1 for n in self.episodes):
            raise Sim2ActError(f"few-shot episode budgets must be >= 1, got {list(self.episodes)}")
        if not 0.0 <= self.alpha <= 1.0:
            raise Sim2ActError(f"few-shot alpha must lie in [0, 1], got {self.alpha}")
        if self.train_steps < 1:
            raise Sim2ActError(f"few-shot train_steps must be >= 1, got {self.train_steps}")
        if self.rounds < 1 or any(n < self.rounds for n in self.episodes):
            raise Sim2ActError(f"few-shot rounds must be >= 1 and at most every episode budget {list(self.episodes)}, "
                               f"got {self.rounds}")
        if self.replay and not 0.0 < self.replay_fraction < 1.0:  # TrainConfig's range, checked before any collection
            raise Sim2ActError(f"few-shot replay_fraction must lie strictly between 0 and 1, got {self.replay_fraction}")

    def validated(self) -> FewShotConfig:
        """Itself (checked on construction), for the CLI's config-override check."""
        return self

    def folder_name(self, episodes: int) -> str:
        """The run folder of the round(s) on ``episodes``: keyed by the proposer and, when any other knob differs from
        the default, by a digest of them, so rounds of another configuration never resume each other's training."""
        knobs = {k: v for k, v in asdict(self).items() if k not in ("episodes", "proposer")}
        default = {k: v for k, v in asdict(FewShotConfig()).items() if k not in ("episodes", "proposer")}
        digest = hashlib.sha256(json.dumps(knobs, sort_keys=True).encode()).hexdigest()[:8]
        return f"episodes-{episodes}{'-prior' if self.proposer == 'prior' else ''}{'' if knobs == default else '-' + digest}"


@dataclass(frozen=True)
class Adapted:
    """A policy after its few-shot round, and what the round cost and kept."""

    checkpoint: str
    """The fine-tuned policy (the original one when labeling kept no episode)."""
    simulator_steps: int
    """Env steps executed collecting the N episodes plus π0's preview steps (the round's simulator calls)."""
    kept_episodes: int
    kept_steps: int


def describe_rounds(few_shot: dict) -> str:
    """How a results file's few-shot configuration (``asdict(FewShotConfig)``) collected its episodes, for its report."""
    rounds = few_shot.get("rounds", 1)
    if rounds == 1:
        return "one Sim2Act round"
    return f"{rounds} Sim2Act rounds sharing them (each after the first collected by the policy the round before fine-tuned)"


def describe_collector(few_shot: dict) -> str:
    """Who collected a results file's few-shot episodes (``asdict(FewShotConfig)``), for its report."""
    if few_shot.get("proposer") == "prior":
        return "the run's π0"
    return f"{few_shot['alpha']:g}·π_θ + {1 - few_shot['alpha']:g}·Uniform"


def adapt(
    checkpoint: str, domain: str, level: str, episodes: int, seed: int, out: Path, config: FewShotConfig,
    env: dict | None = None, progress: Progress | None = None, prior: dict | None = None,
) -> Adapted:
    """Run (or resume) ``config.rounds`` few-shot rounds sharing ``episodes`` on ``level`` from ``checkpoint`` in
    ``out``; ``prior``: π0's proposer options (``Method.prior_options``), needed when ``config.proposer`` is ``prior``."""
    progress = progress or Progress()
    data = Path(out) / "data"
    if config.proposer == "prior" and not prior:
        raise Sim2ActError("a few-shot round collected by π0 needs the run's prior; this method has none")
    if episodes < config.rounds:
        raise Sim2ActError(f"few-shot: {episodes} episodes cannot fill {config.rounds} rounds")
    source = training_config_of(checkpoint)
    replay = source.data if config.replay and source else None
    if config.replay and not (replay and Path(replay).is_dir()):
        raise Sim2ActError(f"few-shot replay: the data policy {checkpoint} was trained on is not at {replay}; "
                           "pass replay = false to fine-tune on the new episodes alone")
    current = checkpoint
    for r in range(config.rounds):
        share = episodes // config.rounds + (episodes % config.rounds if r == 0 else 0)
        collector = {"proposer": "prior", **prior} if config.proposer == "prior" and r == 0 \
            else {"proposer": "policy", "policy": current, "alpha": config.alpha}
        generation = GenerateConfig(
            domain=domain, level=level, split="train", episodes=share, seed=seed, num_envs=min(16, share), iteration=r,
            labels=config.labels, erase_loops=get_domain(domain).exact_state_keys, env=dict(env or {}), **collector,
        )
        if not _generated_before_the_last_run(data, generation):  # a finished round is not appended again on resume
            generate(generation, data, append=r > 0, progress=progress)
        if not load_card(DatasetLayout(data).card).counts["episodes"]:
            continue
        fine_tune = TrainConfig(
            data=str(data), replay=replay, replay_fraction=config.replay_fraction, init_policy=current,
            steps=config.train_steps, seed=seed + r, lr=config.lr, batch_size=config.batch_size,
            warmup_steps=min(20, config.train_steps // 10), log_every=config.train_steps,
            checkpoint_every=config.train_steps, jitter=source.jitter if source else 0.0,
            shift=source.shift if source else 0,
        )
        run = Path(out) / ("policy" if r == 0 else f"policy-{r}")
        current = str(train(fine_tune, run, resume=TrainRunFolder(run).config.exists(), progress=progress).checkpoint)
    counts = load_card(DatasetLayout(data).card).counts
    spent = counts["executed_steps"] + counts.get("preview_steps", 0)
    return Adapted(current, spent, counts["episodes"], counts["steps"])


def _generated_before_the_last_run(data: Path, generation: GenerateConfig) -> bool:
    """Whether ``generation`` is a finished run of the dataset at ``data`` (one that a later run followed)."""
    card = DatasetLayout(data).card
    if not card.exists():
        return False
    configs = [run_config(run) for run in load_card(card).runs]
    return asdict(generation.validated()) in configs[:-1]
