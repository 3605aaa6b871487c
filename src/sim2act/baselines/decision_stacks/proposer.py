"""Decision Stacks acting through sim2act's proposer protocol: the three modules chained, replanned every step.

At each step: the frame → its latent z_t; the observation model samples a plan z_{t+1..t+H} toward the goal
(classifier-free guidance); the reward model reads rewards along z_t..z_{t+H}; the action model gives
p(a_t | frames, rewards, goal), from which the evaluation samples a_t. The plan's noise is drawn from a
generator seeded by the batch's frames, so equal evaluation seeds give equal roll-outs.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import torch

from sim2act import features as F
from sim2act.actions.distributions import ActionDistribution, Categorical, JointCategorical
from sim2act.baselines.decision_stacks.config import DecisionStacksConfig
from sim2act.baselines.decision_stacks.latents import FrameLatents
from sim2act.baselines.decision_stacks.train import CONFIG_FILE, LATENTS_FILE, MODULES, build_modules, module_file
from sim2act.baselines.joint_actions import JointActions
from sim2act.envs import action_space, get_domain
from sim2act.errors import Sim2ActError
from sim2act.priors.threads import torch_threads
from sim2act.proposers.base import Proposer
from sim2act.validation import config_from_dict


class DecisionStacksProposer(Proposer):
    """The chained modules of a ``train_decision_stacks`` folder."""

    name = "decision-stacks"

    def __init__(self, folder: str | Path, threads: int | None = 1) -> None:
        folder = Path(folder)
        missing = [f for f in (CONFIG_FILE, LATENTS_FILE, *(module_file(m) for m in MODULES)) if not (folder / f).is_file()]
        if missing:
            raise Sim2ActError(f"no Decision Stacks run at {folder}: {', '.join(missing)} missing (made by train_decision_stacks)")
        self.config = config_from_dict(DecisionStacksConfig, json.loads((folder / CONFIG_FILE).read_text()))
        space = action_space(self.config.domain, self.config.level, **self.config.env)
        super().__init__(space)
        self.actions = JointActions(space)
        if self.actions.nvec is not None and len(self.actions.nvec) != 2:
            raise Sim2ActError(f"Decision Stacks acts in Discrete or two-dimensional MultiDiscrete spaces, not {space}")
        with np.load(folder / LATENTS_FILE) as saved:
            self.latents = FrameLatents(self.config.prior, saved["mean"], saved["std"], threads=threads)
        self.modules = build_modules(self.config, self.latents.latent_width, self.latents.goal_width, self.actions.n)
        for name, module in self.modules.items():
            module.load_state_dict(torch.load(folder / module_file(name), weights_only=True))
            module.eval()
        self.camera = get_domain(self.config.domain).sensors(self.config.env).cameras[0]
        self.threads = threads

    @torch.no_grad()
    def distribution(self, observations, envs, slots) -> ActionDistribution:
        frames = np.stack([obs[self.camera] for obs in observations])
        generator = torch.Generator().manual_seed(zlib.crc32(np.ascontiguousarray(frames).tobytes()))
        with torch_threads(self.threads):
            current = torch.from_numpy(self.latents.frames(frames))
            goal = self.latents.goals([obs[F.INSTRUCTION] for obs in observations])
            plan = self.modules["observation"].sample(current, goal, self.config.guidance, generator)
            sequence = torch.cat([current[:, None], plan], 1)
            rewards = self.modules["reward"].predict(sequence, goal)
            probs = self.modules["action"].first_action_probabilities(sequence, rewards, goal).double().numpy()
        probs /= probs.sum(1, keepdims=True)
        if self.actions.nvec is None:
            return Categorical(probs)
        return JointCategorical(probs.reshape(len(probs), *self.actions.nvec))
