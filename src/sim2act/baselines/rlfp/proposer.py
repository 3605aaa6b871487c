"""The trained RLFP agent as a sim2act ``Proposer``, and its saved form (``agent.pt`` + ``rlfp_config.json``).

Two ways to act: the actor alone (the default: a policy that needs no π0 and no simulator copy), or as
RLFP acts in training after its warm start, the actor and π0 each proposing and the critic choosing
(``with_prior``; π0's previews then run at every step). Discrete actors are sampled, as sim2act evaluates
its own policies; a continuous actor acts with its mean μ(o), as DrQ-v2 evaluates.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from gymnasium import spaces

from sim2act.actions.distributions import ActionDistribution, CandidateActions, Categorical, JointCategorical
from sim2act.baselines.rlfp.agent import ActorCritic
from sim2act.baselines.rlfp.config import RLFPConfig
from sim2act.baselines.rlfp.continuous_agent import BoxActions, ContinuousActorCritic
from sim2act.baselines.rlfp.inputs import to_tensors
from sim2act.baselines.rlfp.priors import FoundationPriors, agent_actions, prior_guide
from sim2act.baselines.rlfp.q_filter import q_filtered
from sim2act.baselines.task_env import InstructionEncoder, observation_space_for
from sim2act.data.atomic import atomic_write, atomic_write_text
from sim2act.envs import action_space, get_domain, make
from sim2act.errors import Sim2ActError
from sim2act.proposers.base import Proposer
from sim2act.validation import config_from_dict

AGENT_FILE = "agent.pt"
CONFIG_FILE = "rlfp_config.json"


class RLFPProposer(Proposer):
    """Acts with an RLFP actor: its softmax over joint actions as a (joint) categorical, or its mean μ(o) in a Box."""

    name = "rlfp"

    def __init__(self, net: ActorCritic | ContinuousActorCritic, domain: str, space: spaces.Space, env_options: dict | None = None,
                 priors: FoundationPriors | None = None) -> None:
        super().__init__(space)
        self.net = net
        self.priors = priors
        """π0, when the critic chooses between its sample and the actor's (``q_filter.q_filtered``)."""
        if priors is not None:
            self.name = "rlfp(actor+π0)"
        self.actions = agent_actions(space)
        self.encoder = InstructionEncoder(domain, env_options=env_options)
        self._with_proprio = net.encoder._proprio_dim > 0
        self._rng = np.random.default_rng(0)
        """Draws π0's action in a Box space (``with_prior``); the actor's own choice is deterministic."""
        if not isinstance(self.actions, BoxActions) and self.actions.nvec is not None and len(self.actions.nvec) != 2:
            raise Sim2ActError(f"an RLFP proposer acts in Discrete or two-dimensional MultiDiscrete spaces, not {space}")

    @property
    def preview_steps(self) -> int:
        return 0 if self.priors is None else self.priors.preview_steps

    def begin_episode(self, slot: int, env) -> None:
        if self.priors is not None:
            self.priors.begin_episode(slot, env)

    def executed(self, slot: int, action) -> None:
        if self.priors is not None:
            self.priors.executed(slot, action)

    @torch.no_grad()
    def distribution(self, observations, envs, slots) -> ActionDistribution:
        was_training = self.net.training
        self.net.eval()
        obs = to_tensors(self.encoder.batch(observations, self._with_proprio), torch.device("cpu"))
        features = self.net.features(obs)
        if isinstance(self.actions, BoxActions):
            chosen = self.net.mean(features)
            if self.priors is not None:
                prior = torch.as_tensor(self.priors.policy(observations, envs, slots, self._rng))
                better = torch.minimum(*self.net.q(features, prior)) > torch.minimum(*self.net.q(features, chosen))
                chosen = torch.where(better[:, None], prior, chosen)
            self.net.train(was_training)
            actions = chosen.numpy().reshape(len(chosen), 1, *self.actions.space.shape)
            return CandidateActions(actions, np.ones((len(chosen), 1)))
        probs = self.net.log_policy(features).exp().double().numpy()
        if self.priors is not None:
            q = torch.minimum(*self.net.q(features)).double().numpy()
            probs = q_filtered(probs, self.priors.policy(observations, envs, slots, self._rng), q)
        self.net.train(was_training)
        probs /= probs.sum(1, keepdims=True)
        if self.actions.nvec is None:
            return Categorical(probs)
        return JointCategorical(probs.reshape(len(probs), *self.actions.nvec))


def _observation_space(config: RLFPConfig) -> spaces.Dict:
    env = make(config.domain, config.level, **config.env)
    try:
        return observation_space_for(env.observation_space, InstructionEncoder(config.domain, env_options=config.env))
    finally:
        env.close()


def save_rlfp(out: Path, net: ActorCritic, config: RLFPConfig, env_steps: int, preview_steps: int) -> None:
    """The actor-critic's weights and the config that builds it."""
    atomic_write(Path(out) / AGENT_FILE, lambda tmp: torch.save(
        {"net": net.state_dict(), "env_steps": env_steps, "preview_steps": preview_steps}, tmp))
    atomic_write_text(Path(out) / CONFIG_FILE, json.dumps(asdict(config), indent=2) + "\n")


def load_rlfp(folder: str | Path, with_prior: bool = False) -> RLFPProposer:
    """The agent saved by ``train_rlfp`` in ``folder`` (or its ``agent.pt``), as a proposer acting with its actor
    alone, or ``with_prior`` as it acts in training (π0 loaded from the config's ``prior``)."""
    path = Path(folder)
    folder = path.parent if path.suffix == ".pt" else path
    if not (folder / AGENT_FILE).is_file() or not (folder / CONFIG_FILE).is_file():
        raise Sim2ActError(f"no RLFP agent at {path}: expected {AGENT_FILE} and {CONFIG_FILE} made by train_rlfp")
    config = config_from_dict(RLFPConfig, json.loads((folder / CONFIG_FILE).read_text()))
    space = action_space(config.domain, config.level, **config.env)
    actions = agent_actions(space)
    cell_pixels = get_domain(config.domain).vision(config.env).patch_size
    if isinstance(actions, BoxActions):
        net = ContinuousActorCritic(_observation_space(config), space, config.features_dim, config.channels, cell_pixels,
                                    config.cell_stem)
    else:
        net = ActorCritic(_observation_space(config), actions.n, config.features_dim, config.channels, cell_pixels,
                          config.cell_stem)
    net.load_state_dict(torch.load(folder / AGENT_FILE, weights_only=False)["net"])
    priors = prior_guide(config, space) if with_prior else None
    return RLFPProposer(net.eval(), config.domain, space, config.env, priors)
