"""The pick_place head learns through the real path: generate → train → load → act greedily with PolicyProposer.

A fake ``blocks`` domain, declared here: a 4×4 workspace of 8-pixel cells holds one red block; the
instruction names a corner. The correct action is (the block's cell, the named corner's cell), so
the image decides the pick and the instruction the place. An oracle proposer registered here logs
the correct actions; the domain's ``VisionDefaults`` ask for the ``pick_place`` head, which training
fills in (``domain_defaults``).
"""

from __future__ import annotations

import time

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from sim2act.actions.distributions import JointCategorical, MultiCategorical
from sim2act.envs import register_domain
from sim2act.envs.domain import Domain, Grammar, Levels, Sensors, VisionDefaults
from sim2act.models import PolicyConfig, load_policy
from sim2act.models.pick_place_head import PickPlaceHead
from sim2act.proposers import MixtureProposer, Proposer, register_proposer
from sim2act.proposers.policy import PolicyProposer
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.tasks import get_split
from sim2act.training import TrainConfig, train

ROWS = COLS = 4
CELL, CELLS = 8, ROWS * COLS
CORNERS = {"top left": 0, "top right": COLS - 1, "bottom left": CELLS - COLS, "bottom right": CELLS - 1}


class BlocksEnv(gym.Env):
    """One red block on a 4×4 grid of cells; "put the block in the {top|bottom} {left|right} corner".
    Action: ``MultiDiscrete([16, 16])`` = (pick cell, place cell), row-major. One step: success when it
    picks the block's cell and places in the named corner."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, level: str = "corners", render_mode: str | None = None) -> None:
        self.render_mode = render_mode
        self.action_space = spaces.MultiDiscrete([CELLS, CELLS])
        self.observation_space = spaces.Dict({
            "rgb": spaces.Box(0, 255, (ROWS * CELL, COLS * CELL, 3), np.uint8),
            "instruction": spaces.Text(48, charset="abcdefghijklmnopqrstuvwxyz "),
        })

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        corner = list(CORNERS)[int(self.np_random.integers(len(CORNERS)))]
        self.target = CORNERS[corner]
        self.block = int(self.np_random.choice([c for c in range(CELLS) if c != self.target]))
        self.instruction = f"put the block in the {corner} corner"
        return self._obs(), {"instruction": self.instruction, "success": False, "achieved": []}

    def step(self, action):
        success = (int(action[0]), int(action[1])) == (self.block, self.target)
        info = {"instruction": self.instruction, "success": success,
                "achieved": [self.instruction] if success else []}
        return self._obs(), float(success), True, False, info

    def render(self):
        return self._obs()["rgb"]

    def _obs(self) -> dict:
        rgb = np.full((ROWS * CELL, COLS * CELL, 3), 40, np.uint8)
        row, col = divmod(self.block, COLS)
        rgb[row * CELL + 1 : (row + 1) * CELL - 1, col * CELL + 1 : (col + 1) * CELL - 1] = (220, 30, 30)
        return {"rgb": rgb, "instruction": self.instruction}


class OracleProposer(Proposer):
    """The correct (pick, place) of each env, read from its state: the demonstrations."""

    name = "blocks-oracle"

    def distribution(self, observations, envs, slots):
        probs = np.zeros((len(envs), 2, CELLS))
        for row, env in enumerate(envs):
            probs[row, 0, env.unwrapped.block] = probs[row, 1, env.unwrapped.target] = 1.0
        return MultiCategorical(probs)


BLOCKS = Domain(
    name="blocks",
    summary="one block on a 4×4 grid, placed in a named corner (the tests' pick-and-place domain)",
    build=BlocksEnv,
    levels=Levels(named=("corners",), default="corners", resolve=lambda name: name),
    grammar=Grammar(
        vocabulary=("put", "the", "block", "in", "top", "bottom", "left", "right", "corner"),
        compositions=lambda text: frozenset(),
    ),
    sensors=lambda options: Sensors(proprio=None),
    vision=lambda options: VisionDefaults(stem="patch", patch_size=CELL, action_head="pick_place"),
)
register_domain(BLOCKS)
register_proposer("blocks-oracle", OracleProposer)


def test_the_pick_place_head_learns_pick_from_the_image_and_place_from_the_instruction(tmp_path):
    started = time.perf_counter()
    data = tmp_path / "data"
    generate(GenerateConfig(domain="blocks", proposer="blocks-oracle", episodes=256, num_envs=16, shard_episodes=256),
             data)
    policy = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=1)
    config = TrainConfig(data=str(data), policy=policy, steps=250, batch_size=64, lr=3e-3, warmup_steps=10,
                         log_every=50, checkpoint_every=1000, device="cpu")
    summary = train(config, tmp_path / "run")
    trained = load_policy(summary.checkpoint)
    assert isinstance(trained.head, PickPlaceHead) and trained.config.action_head == "pick_place"

    # Fresh layouts (the val split's seeds), acted on greedily through the proposer.
    proposer, split, envs = PolicyProposer(trained, greedy=True), get_split("val"), [BlocksEnv() for _ in range(64)]
    observations = [env.reset(seed=split.seed_start + i)[0] for i, env in enumerate(envs)]
    distribution = proposer.distribution(observations, envs, list(range(len(envs))))
    assert isinstance(distribution, JointCategorical) and distribution.probs.shape == (64, CELLS, CELLS)
    actions = distribution.sample(np.random.default_rng(0))
    pick = np.mean([a[0] == env.block for a, env in zip(actions, envs)])
    place = np.mean([a[1] == env.target for a, env in zip(actions, envs)])
    both = np.mean([(a[0], a[1]) == (env.block, env.target) for a, env in zip(actions, envs)])
    seconds = time.perf_counter() - started
    print(f"pick {pick:.2f} (chance {1 / CELLS:.3f}), place {place:.2f} (chance {1 / CELLS:.3f}), "
          f"pair {both:.2f} (chance {1 / CELLS**2:.4f}); train accuracy {summary.final_accuracy:.2f}; {seconds:.1f}s")
    assert pick >= 0.8 and place >= 0.8 and both >= 0.7, (pick, place, both)

    # The bootstrapping rounds' exploration, alpha · π_θ + (1 - alpha) · Uniform, is one exact joint.
    slots = list(range(len(envs)))
    mixed = MixtureProposer(PolicyProposer(trained), 0.9).distribution(observations, envs, slots)
    sampled = PolicyProposer(trained).distribution(observations, envs, slots)
    assert isinstance(mixed, JointCategorical)
    np.testing.assert_allclose(mixed.probs, 0.9 * sampled.probs + 0.1 / CELLS**2)
