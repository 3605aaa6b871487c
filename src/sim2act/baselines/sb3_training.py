"""RL from scratch with stable-baselines3: PPO for any domain, SAC for Box-action domains.

The baselines learn from the environment's own reward (on the grid, BabyAI's ``1 - 0.9·t/T`` on success)
on ``TaskEnv``s of the train split, so they see the same envs, tasks and observation as
sim2act's policies and never a held-out layout or composition. To compare learning curves at equal
experience, ``train_rl`` hands the current model, as a ``Proposer``, to a callback each time the
env-step count crosses one of the caller's marks; the caller evaluates it on held-out splits with
sim2act's own evaluation (``sim2act.evaluation.evaluate_proposer``).

The envs are stepped in this process (``DummyVecEnv``): subprocess vector envs give no speed-up on
two cores. Each env draws its own task sequence (sampler seed ``1000·seed + i``), so the tasks of a
run are fixed by its seed.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import torch
from gymnasium import spaces
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.utils import set_random_seed
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv

from sim2act.baselines.extractor import FiLMExtractor, check_cell_stem
from sim2act.baselines.sb3_proposer import RLProposer
from sim2act.baselines.task_env import TaskEnv
from sim2act.data.atomic import atomic_write, atomic_write_text
from sim2act.envs import check_env_options, get_domain
from sim2act.errors import Sim2ActError
from sim2act.progress import Progress
from sim2act.proposers.base import Proposer
from sim2act.validation import check_positive, config_from_dict, suggest

MODEL_FILE = "model.zip"
CONFIG_FILE = "rl_config.json"
CHECKPOINT_FILE = "checkpoint.zip"
"""The model as of the last mark, which ``train_rl(..., resume=True)`` continues from."""
TASK_SEED_STRIDE = 1000
"""Env ``i`` of a run with seed ``s`` draws the tasks of sampler seed ``TASK_SEED_STRIDE·s + i``."""


@dataclass(frozen=True)
class RLConfig:
    """Everything that determines an RL-from-scratch run (the output folder does not)."""

    algorithm: str = "ppo"
    """``ppo`` (any action space) or ``sac`` (Box action spaces only)."""
    domain: str = "grid"
    """Simulator domain."""
    level: str | None = None
    """Level of the domain (None: its default); training draws its tasks from the train split."""
    total_env_steps: int = 1_000_000
    """Env steps to train for (PPO rounds up to whole rollouts of ``n_steps × n_envs``)."""
    n_envs: int = 16
    """Envs stepped together in this process."""
    seed: int = 0
    """Seed of initialisation, of the algorithm's sampling and of the training tasks."""
    torch_threads: int = 1
    """Intra-op threads of torch while training (the envs step in the same process)."""
    device: str = "auto"
    """Torch device of the model: ``auto`` (a GPU when present), ``cpu`` or ``cuda[:i]``."""
    gamma: float = 0.99
    """Discount factor."""
    features_dim: int = 128
    """Size of the features ``FiLMExtractor`` hands to the policy and value heads."""
    channels: int = 32
    """Convolution channels of ``FiLMExtractor``."""
    cell_stem: str = "conv"
    """Cell features of ``FiLMExtractor``: ``conv`` (a cell convolution, BabyAI's RL baseline) or ``factored`` (sim2act's colour + form stem)."""
    env: dict[str, Any] = field(default_factory=dict)
    """Env options passed to the domain's build (``sim2act.envs.make``)."""

    learning_rate: float = 5e-4
    """PPO: Adam learning rate."""
    n_steps: int = 128
    """PPO: steps per env in each rollout (a rollout holds ``n_steps × n_envs`` transitions)."""
    batch_size: int = 256
    """PPO: minibatch size of the updates."""
    n_epochs: int = 4
    """PPO: passes over each rollout."""
    gae_lambda: float = 0.95
    """PPO: λ of generalised advantage estimation."""
    ent_coef: float = 0.01
    """PPO: weight of the entropy bonus."""
    clip_range: float = 0.2
    """PPO: clipping range of the probability ratio."""
    vf_coef: float = 0.5
    """PPO: weight of the value loss."""
    max_grad_norm: float = 0.5
    """PPO: clip the global gradient norm to this value."""

    sac_learning_rate: float = 3e-4
    """SAC: Adam learning rate of actor, critics and temperature."""
    sac_buffer_size: int = 50_000
    """SAC: replay buffer transitions (each keeps two images: mind the memory)."""
    sac_learning_starts: int = 1_000
    """SAC: env steps of random actions before learning starts."""
    sac_batch_size: int = 256
    """SAC: minibatch size."""
    sac_tau: float = 0.005
    """SAC: Polyak coefficient of the target critics."""
    sac_train_freq: int = 1
    """SAC: vector-env steps between updates."""
    sac_gradient_steps: int = -1
    """SAC: gradient steps per update; -1: one per env step collected (update-to-data ratio 1)."""

    def validated(self) -> RLConfig:
        """Check the numbers and canonicalise names; bad input is a one-line ``Sim2ActError``."""
        get_algorithm(self.algorithm)
        check_cell_stem(self.cell_stem)
        level = get_domain(self.domain).resolve_level(self.level)
        check_env_options(self.domain, level, self.env)
        positive = ("total_env_steps", "n_envs", "torch_threads", "features_dim", "channels")
        positive += ("n_steps", "batch_size", "n_epochs", "sac_buffer_size", "sac_batch_size", "sac_train_freq")
        check_positive(self, positive, flags=False)
        if self.n_envs >= TASK_SEED_STRIDE:
            raise Sim2ActError(f"n_envs must be below {TASK_SEED_STRIDE}, got {self.n_envs}")
        if self.n_steps * self.n_envs < 2:
            raise Sim2ActError("PPO needs n_steps × n_envs of at least 2")
        if not (0 < self.gamma <= 1 and 0 <= self.gae_lambda <= 1 and 0 <= self.sac_tau <= 1):
            raise Sim2ActError(
                f"need gamma in (0, 1], gae_lambda and sac_tau in [0, 1]; "
                f"got {self.gamma}, {self.gae_lambda}, {self.sac_tau}"
            )
        if min(self.learning_rate, self.sac_learning_rate, self.clip_range) <= 0 or self.sac_learning_starts < 0:
            raise Sim2ActError("learning rates and clip_range must be positive and sac_learning_starts >= 0")
        return RLConfig(**{**asdict(self), "level": level, "env": dict(self.env)})


@dataclass(frozen=True)
class RLAlgorithm:
    """A stable-baselines3 algorithm and how an ``RLConfig`` builds it."""

    name: str
    model_class: type[BaseAlgorithm]
    """The stable-baselines3 class (its ``load`` reads saved models)."""
    box_actions_only: bool
    """Whether the algorithm needs a Box action space."""
    build: Callable[[RLConfig, VecEnv], BaseAlgorithm]
    """``build(config, envs)``: a fresh model that trains on ``envs``."""

    def check_action_space(self, domain: str, action_space: spaces.Space) -> None:
        """Raise a one-line ``Sim2ActError`` when this algorithm cannot act in ``domain``'s ``action_space``."""
        if self.box_actions_only and not isinstance(action_space, spaces.Box):
            raise Sim2ActError(
                f"{self.name.upper()} needs a Box action space; domain {domain!r} acts in "
                f"{action_space}: use algorithm 'ppo'"
            )


def _policy_kwargs(config: RLConfig) -> dict:
    return {
        "features_extractor_class": FiLMExtractor,
        "features_extractor_kwargs": {
            "features_dim": config.features_dim, "channels": config.channels, "cell_stem": config.cell_stem,
            "cell_pixels": get_domain(config.domain).vision(config.env).patch_size,
        },
    }


def _build_ppo(config: RLConfig, envs: VecEnv) -> PPO:
    return PPO(
        "MultiInputPolicy",
        envs,
        learning_rate=config.learning_rate,
        n_steps=config.n_steps,
        batch_size=config.batch_size,
        n_epochs=config.n_epochs,
        gamma=config.gamma,
        gae_lambda=config.gae_lambda,
        clip_range=config.clip_range,
        ent_coef=config.ent_coef,
        vf_coef=config.vf_coef,
        max_grad_norm=config.max_grad_norm,
        policy_kwargs=_policy_kwargs(config),
        device=config.device,
        verbose=0,
    )


def _build_sac(config: RLConfig, envs: VecEnv) -> SAC:
    return SAC(
        "MultiInputPolicy",
        envs,
        learning_rate=config.sac_learning_rate,
        buffer_size=config.sac_buffer_size,
        learning_starts=config.sac_learning_starts,
        batch_size=config.sac_batch_size,
        tau=config.sac_tau,
        gamma=config.gamma,
        train_freq=config.sac_train_freq,
        gradient_steps=config.sac_gradient_steps,
        policy_kwargs=_policy_kwargs(config),
        device=config.device,
        verbose=0,
    )


RL_ALGORITHMS: dict[str, RLAlgorithm] = {
    "ppo": RLAlgorithm("ppo", PPO, box_actions_only=False, build=_build_ppo),
    "sac": RLAlgorithm("sac", SAC, box_actions_only=True, build=_build_sac),
}


def get_algorithm(name: str) -> RLAlgorithm:
    """The registered algorithm called ``name``; an unknown name is a one-line ``Sim2ActError``."""
    if name not in RL_ALGORITHMS:
        known = ", ".join(RL_ALGORITHMS)
        raise Sim2ActError(f"unknown RL algorithm {name!r}{suggest(name, RL_ALGORITHMS)}; known: {known}")
    return RL_ALGORITHMS[name]


@dataclass
class RLRun:
    """What one ``train_rl`` call did."""

    algorithm: str
    env_steps: int
    """Env steps run (all envs together)."""
    seconds: float
    """Wall-clock time of training, the ``on_mark`` calls included."""
    mark_seconds: float
    """Time spent in ``on_mark`` (e.g. evaluating), not training."""
    model_path: Path
    """The saved stable-baselines3 ``.zip``."""
    episode_successes: list[bool] = field(default_factory=list)
    """Success of each finished training episode, in order of finishing."""
    episode_end_steps: list[int] = field(default_factory=list)
    """Env-step count when each training episode finished (for learning curves)."""
    stopped_early: bool = False
    """``on_mark`` stopped training before the budget was spent."""

    @property
    def steps_per_second(self) -> float:
        """Training throughput in env steps per second, ``on_mark`` time left out."""
        training = self.seconds - self.mark_seconds
        return self.env_steps / training if training > 0 else 0.0


@dataclass(frozen=True)
class RLModel:
    """A model saved by ``train_rl`` and the config it was trained with."""

    model: BaseAlgorithm
    config: RLConfig

    def proposer(self, deterministic: bool = False) -> RLProposer:
        """The model as a sim2act ``Proposer``."""
        return RLProposer(self.model, self.config.domain, deterministic, name=self.config.algorithm, env_options=self.config.env)


class _TrainingWatch(BaseCallback):
    """Counts training episodes, reports progress, and at each mark calls ``on_mark`` and saves a checkpoint.

    ``on_mark`` returning True stops training there (the sample-efficiency bench stops at its target).
    """

    def __init__(
        self, run: RLRun, config: RLConfig, marks: Sequence[int], on_mark, progress: Progress, checkpoint: Path
    ) -> None:
        super().__init__()
        self.run, self.config, self.on_mark, self.progress = run, config, on_mark, progress
        self.algorithm = run.algorithm
        self.marks = sorted(marks) if on_mark is not None else []
        self.checkpoint = checkpoint
        self.stopped = False

    def _on_training_start(self) -> None:
        self._call_marks()

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"]):
            if done:
                self.run.episode_successes.append(bool(info.get("success", False)))
                self.run.episode_end_steps.append(self.num_timesteps)
        self.progress.advance(self.training_env.num_envs)
        self._call_marks()
        return not self.stopped

    def _call_marks(self) -> None:
        while self.marks and self.marks[0] <= self.num_timesteps and not self.stopped:
            self.marks.pop(0)
            started = time.perf_counter()
            proposer = RLProposer(self.model, self.config.domain, name=self.algorithm, env_options=self.config.env)
            self.stopped = bool(self.on_mark(self.num_timesteps, proposer))
            atomic_write(self.checkpoint, lambda tmp: self.model.save(tmp))  # its steps inside: one file, never two out of step
            self.run.mark_seconds += time.perf_counter() - started


def _task_env(config: RLConfig, index: int) -> TaskEnv:
    seed = TASK_SEED_STRIDE * config.seed + index
    return TaskEnv(config.domain, config.level, "train", seed=seed, env_options=config.env)


def train_rl(
    config: RLConfig,
    out: Path,
    marks: Sequence[int] = (),
    on_mark: Callable[[int, Proposer], bool | None] | None = None,
    progress: Progress | None = None,
    *,
    resume: bool = False,
) -> RLRun:
    """Train ``config.algorithm`` from scratch on the train split; save the model and config in ``out``.

    Each time the env-step count reaches a mark, ``on_mark(env_steps, proposer)`` gets the current
    model as a sampling ``Proposer`` (PPO's model changes once per rollout, so at a mark it is the
    model of the last finished update); returning True stops training there. Marks at or below 0
    are called before training starts. After every mark the model is checkpointed in ``out``; with
    ``resume``, a run of the same config continues from its checkpoint (its weights, optimiser state
    and step count; the envs and the rollout in flight start afresh, and the steps that rollout had
    run stay counted), so a long run survives interruption.
    """
    config = config.validated()
    algorithm = get_algorithm(config.algorithm)
    envs = DummyVecEnv([partial(_task_env, config, i) for i in range(config.n_envs)])
    threads_before = torch.get_num_threads()
    try:
        algorithm.check_action_space(config.domain, envs.action_space)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        checkpoint = out / CHECKPOINT_FILE
        resume = resume and resumable_steps(out, config) is not None
        atomic_write_text(out / CONFIG_FILE, json.dumps(asdict(config), indent=2) + "\n")
        torch.set_num_threads(config.torch_threads)
        set_random_seed(config.seed)  # here, not through the model, which would also re-seed the envs' tasks
        if resume:
            model = algorithm.model_class.load(checkpoint, env=envs, device=config.device)
            set_random_seed(config.seed + model.num_timesteps)  # a fresh stream for the continued part
        else:
            checkpoint.unlink(missing_ok=True)
            model = algorithm.build(config, envs)
        model.action_space.seed(config.seed)
        done = model.num_timesteps
        run = RLRun(config.algorithm, env_steps=0, seconds=0.0, mark_seconds=0.0, model_path=out / MODEL_FILE)
        progress = progress or Progress()
        progress.start(config.total_env_steps, done)
        remaining = [m for m in marks if m > done] if resume else list(marks)
        watch = _TrainingWatch(run, config, remaining, on_mark, progress, checkpoint)
        started = time.perf_counter()
        if config.total_env_steps > done:
            model.learn(config.total_env_steps - done, callback=watch, reset_num_timesteps=not resume)
        run.seconds = time.perf_counter() - started
        run.env_steps = model.num_timesteps
        run.stopped_early = watch.stopped
        model.save(run.model_path)
        return run
    finally:
        torch.set_num_threads(threads_before)
        envs.close()


def checkpoint_steps(out: Path) -> int | None:
    """The env steps of the checkpoint in ``out`` (the last mark it was saved at), or None when there is none: read
    from the saved model itself (SB3's ``data`` entry), so a kill between two writes cannot leave them disagreeing."""
    try:
        with zipfile.ZipFile(Path(out) / CHECKPOINT_FILE) as saved:
            return int(json.loads(saved.read("data"))["num_timesteps"])
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return None


def resumable_steps(out: Path, config: RLConfig) -> int | None:
    """The env steps of the checkpoint in ``out`` that ``train_rl(config, out, resume=True)`` continues from, or None
    where it would start afresh (no checkpoint, or one of another config)."""
    same_config = _saved_config(out) == json.loads(json.dumps(asdict(config.validated())))
    return checkpoint_steps(out) if same_config else None


def _saved_config(out: Path) -> dict | None:
    try:
        return json.loads((out / CONFIG_FILE).read_text())
    except (OSError, ValueError):
        return None


def load_rl(path: str | Path, device: str = "auto") -> RLModel:
    """Load a model saved by ``train_rl``: its output folder, or the ``.zip`` in it."""
    path = Path(path)
    folder = path.parent if path.suffix == ".zip" else path
    zip_path = path if path.suffix == ".zip" else path / MODEL_FILE
    if not zip_path.is_file() or not (folder / CONFIG_FILE).is_file():
        raise Sim2ActError(f"no RL model at {path}: expected {MODEL_FILE} and {CONFIG_FILE} made by train_rl")
    try:
        config = config_from_dict(RLConfig, json.loads((folder / CONFIG_FILE).read_text()))
    except (OSError, ValueError, TypeError) as error:
        raise Sim2ActError(f"unreadable {folder / CONFIG_FILE}: {error}") from None
    model = get_algorithm(config.algorithm).model_class.load(zip_path, device=device)
    return RLModel(model, config)
