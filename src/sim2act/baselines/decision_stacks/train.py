"""``train_decision_stacks``: the three modules, each trained on its own on a sim2act dataset.

1. Every frame of the dataset becomes a latent (π0's frozen towers, ``latents.FrameLatents``), every
   instruction a goal embedding, every action a joint index, every step's verifier success a 0/1 reward.
2. The observation model, then the reward model, then the action model train for ``train_steps`` each on
   random windows (``windows.Windows``), teacher-forced on the dataset's own frames, rewards and actions, as
   in the paper: no module sees another's outputs in training.

Each module is saved when it is done, so a killed run resumes at the first module not yet saved. The
guidance weight only changes how trained modules act: configs that differ in it share their modules (a
finished folder is given the new weight; ``reuse_from`` folders of such a config are copied, not retrained).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from sim2act import features as F
from sim2act.baselines.decision_stacks.config import DecisionStacksConfig
from sim2act.baselines.decision_stacks.latents import FrameLatents
from sim2act.baselines.decision_stacks.modules import ActionModel, ObservationDiffusion, RewardModel
from sim2act.baselines.decision_stacks.windows import Windows
from sim2act.baselines.joint_actions import JointActions
from sim2act.data.atomic import atomic_write, atomic_write_text
from sim2act.data.torch_dataset import StepDataset
from sim2act.envs import action_space, get_domain
from sim2act.errors import Sim2ActError
from sim2act.progress import Progress

CONFIG_FILE = "decision_stacks.json"
LATENTS_FILE = "latents.npz"
MODULES = ("observation", "reward", "action")
SAMPLING_FIELDS = ("guidance",)
"""Config fields that change how trained modules act, not what they learn."""


@dataclass
class DecisionStacksRun:
    """What one ``train_decision_stacks`` call did (nothing, all zeros, when its modules were already trained)."""

    steps: int = 0
    """Dataset steps (rows) it learned from."""
    episodes: int = 0
    losses: dict[str, float] = field(default_factory=dict)
    """Each module's mean loss over its last 100 steps (of the modules trained in this call)."""
    seconds: float = 0.0
    reused_from: str | None = None
    """The folder whose modules (trained under another guidance weight) were copied instead of training."""


def build_modules(config: DecisionStacksConfig, latent: int, goal: int, actions: int) -> dict[str, torch.nn.Module]:
    c = config
    return {
        "observation": ObservationDiffusion(latent, goal, c.horizon, c.d_model, c.heads, c.layers, c.diffusion_steps),
        "reward": RewardModel(latent, goal, c.horizon, c.d_model, c.heads, c.layers),
        "action": ActionModel(latent, goal, c.horizon, actions, c.d_model, c.heads, c.layers),
    }


def _save_standardisation(path: Path, latents: FrameLatents) -> None:
    with open(path, "wb") as file:  # a file object: np.savez would add ".npz" to a temporary name
        np.savez(file, mean=latents.mean, std=latents.std)


def module_file(name: str) -> str:
    return f"{name}_model.pt"


def learns_the_same(config_text: str, other_text: str) -> bool:
    """Whether two saved configs (``CONFIG_FILE`` texts) train the same modules: equal but for ``SAMPLING_FIELDS``."""
    def learned(text: str) -> dict:
        return {k: v for k, v in json.loads(text).items() if k not in SAMPLING_FIELDS}
    return learned(config_text) == learned(other_text)


def _finished(folder: Path) -> bool:
    return all((folder / f).is_file() for f in (CONFIG_FILE, LATENTS_FILE, *(module_file(m) for m in MODULES)))


def _copy_modules(donor: Path, out: Path, config_text: str) -> None:
    for name in (LATENTS_FILE, *(module_file(m) for m in MODULES)):
        atomic_write(out / name, lambda tmp, source=donor / name: shutil.copyfile(source, tmp))
    atomic_write_text(out / CONFIG_FILE, config_text)  # last: the folder counts as finished only with its config


def train_decision_stacks(config: DecisionStacksConfig, out: Path, progress: Progress | None = None,
                          reuse_from: tuple[Path, ...] | list[Path] = ()) -> DecisionStacksRun:
    """Train the three modules on ``config.data``; save them, the latent standardisation and the config in ``out``.
    ``reuse_from``: finished folders whose modules are copied instead when their config learns the same."""
    config = config.validated()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    progress = progress or Progress()
    started = time.perf_counter()
    threads_before = torch.get_num_threads()
    torch.set_num_threads(config.torch_threads)
    try:
        saved, wanted = out / CONFIG_FILE, json.dumps(asdict(config), indent=2) + "\n"
        if saved.is_file() and not learns_the_same(saved.read_text(), wanted):
            for name in MODULES:  # modules of another config are never mixed with this one's
                (out / module_file(name)).unlink(missing_ok=True)
        elif _finished(out):
            if saved.read_text() != wanted:
                atomic_write_text(saved, wanted)  # another guidance weight: the same modules act with it
            return DecisionStacksRun(seconds=time.perf_counter() - started)  # finished: no frames to encode again
        donor = next((Path(f) for f in reuse_from if _finished(Path(f))
                      and learns_the_same((Path(f) / CONFIG_FILE).read_text(), wanted)), None)
        if donor is not None:
            _copy_modules(donor, out, wanted)
            progress.log(f"Decision Stacks: the modules of {donor} (they differ only in {', '.join(SAMPLING_FIELDS)})")
            return DecisionStacksRun(seconds=time.perf_counter() - started, reused_from=str(donor))
        space = action_space(config.domain, config.level, **config.env)
        joint = JointActions(space)
        data = StepDataset(config.data)
        camera = get_domain(config.domain).sensors(config.env).cameras[0]
        if camera not in data.arrays:
            raise Sim2ActError(f"dataset {config.data} has no {camera!r} frames for Decision Stacks to plan in")
        latents = FrameLatents(config.prior, threads=config.torch_threads)
        progress.log(f"Decision Stacks: {len(data):,} frames into π0's latent space")
        z = torch.from_numpy(latents.fit(latents.raw(data.arrays[camera])))
        atomic_write(out / LATENTS_FILE, lambda tmp: _save_standardisation(tmp, latents))
        goals = latents.goals(data.instructions)[torch.from_numpy(data.instruction_ids)]
        actions = torch.tensor([joint.index(a) for a in data.arrays[F.ACTION]], dtype=torch.long)
        rewards = torch.from_numpy(data.arrays[F.SUCCESS].astype(np.float32))
        windows = Windows.of(data.arrays[F.EPISODE_ID], data.arrays[F.STEP], config.horizon)
        atomic_write_text(out / CONFIG_FILE, json.dumps(asdict(config), indent=2) + "\n")
        torch.manual_seed(config.seed)  # the initial weights depend on the seed alone, not on what the process ran before
        modules = build_modules(config, latents.latent_width, latents.goal_width, joint.n)
        run = DecisionStacksRun(steps=len(data), episodes=len(np.unique(data.arrays[F.EPISODE_ID])))
        for k, name in enumerate(MODULES):
            if (out / module_file(name)).is_file():
                continue
            module = modules[name]
            torch.manual_seed(config.seed + k)
            generator = torch.Generator().manual_seed(config.seed + k)
            rng = np.random.default_rng(config.seed + k)
            optimizer = torch.optim.Adam(module.parameters(), lr=config.learning_rate)
            progress.start(config.train_steps, 0, phase=f"{name} model")
            recent = []
            for _ in range(config.train_steps):
                rows, valid = windows.sample(config.batch_size, rng)
                rows, valid = torch.from_numpy(rows), torch.from_numpy(valid)
                frames, goal = z[rows], goals[rows[:, 0]]
                if name == "observation":
                    drop = torch.rand(len(rows), generator=generator) < config.goal_dropout
                    loss = module.loss(frames[:, 1:], valid[:, 1:], frames[:, 0], goal, drop, generator)
                elif name == "reward":
                    loss = module.loss(frames, rewards[rows] * valid, valid, goal)
                else:
                    loss = module.loss(frames, rewards[rows] * valid, actions[rows[:, :-1]], valid, goal)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
                optimizer.step()
                recent = [*recent[-99:], loss.item()]
                progress.advance(1)
            run.losses[name] = float(np.mean(recent))
            progress.log(f"losses/{name}: {run.losses[name]:.4f}")
            atomic_write(out / module_file(name), lambda tmp, m=module: torch.save(m.state_dict(), tmp))
        run.seconds = time.perf_counter() - started
        return run
    finally:
        torch.set_num_threads(threads_before)
