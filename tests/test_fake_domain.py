"""The proof of domain generality: a domain declared here, in the tests, runs the whole pipeline.

A 1-D corridor with a ``Box`` action, two 32×48 cameras with depth and a proprio vector, captions
and previews but no expert, replay or exact state keys, goes through generate → train → eval, a
prior pretrained on its (non-square) frames, and a two-round ``sim2act run`` without a line of
generic code knowing it exists. A copy of it without captions and previews is refused in one line
wherever they are needed.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env
from typer.testing import CliRunner

from sim2act.baselines.task_env import TaskEnv
from sim2act.cli import app
from sim2act.data.contact_sheet import contact_sheet
from sim2act.data.reader import open_dataset
from sim2act.envs import gym_id, make, register_domain
from sim2act.envs.captions import Caption
from sim2act.envs.domain import Domain, Grammar, Levels, Sensors, VisionDefaults
from sim2act.errors import Sim2ActError
from sim2act.evaluation.evaluate import EvalConfig, evaluate
from sim2act.loop import LoopConfig
from sim2act.models import PolicyConfig, load_policy
from sim2act.priors import ClipEmbedder, PriorConfig, pretrain_prior, read_prior_info
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.tasks import TaskSampler
from sim2act.training.config import TrainConfig
from sim2act.training.trainer import train

COLOURS, THINGS = ("red", "green", "blue"), ("lamp", "door")
H, W, SPEED, REACH = 32, 48, 0.15, 0.1


class CorridorEnv(gym.Env):
    """Description: the agent slides along a corridor [0, 1] that holds a lamp and a door of two colours.
    Mission space: "go to the {colour} {lamp|door}". Action space: ``Box(-1, 1, (1,))``, a velocity.
    Observation: front and rear cameras (``rgb``, ``rgb_back``; a lamp is a short stripe, a door a tall one),
    their depth, and the agent's position as proprio. Rewards: 1 on success. Termination: within reach
    of the named thing; truncation after ``max_steps``.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, level: str = "goto", render_mode: str | None = None, max_steps: int = 12) -> None:
        self.render_mode, self.max_steps = render_mode, max_steps
        self.action_space = spaces.Box(-1.0, 1.0, (1,), np.float32)
        image, depth = spaces.Box(0, 255, (H, W, 3), np.uint8), spaces.Box(0.0, 1.0, (H, W), np.float32)
        self.observation_space = spaces.Dict({
            "rgb": image, "rgb_back": image, "depth": depth, "depth_back": depth,
            "proprio": spaces.Box(0.0, 1.0, (1,), np.float32),
            "instruction": spaces.Text(40, charset="abcdefghijklmnopqrstuvwxyz "),
        })

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        rng = self.np_random
        colours = rng.choice(len(COLOURS), 2, replace=False)
        self.things = [(COLOURS[c], thing, float(rng.uniform(0, 1))) for c, thing in zip(colours, THINGS)]
        self.position, self.steps = float(rng.uniform(0, 1)), 0
        colour, thing, _ = self.things[int(rng.integers(2))]
        self.instruction = f"go to the {colour} {thing}"
        return self._obs(), {"instruction": self.instruction, "success": False, "achieved": []}

    def step(self, action):
        self.position = self._moved(action)
        self.steps += 1
        achieved = [f"go to the {c} {t}" for c, t, x in self.things if abs(x - self.position) < REACH]
        success = self.instruction in achieved
        info = {"instruction": self.instruction, "success": success, "achieved": achieved}
        return self._obs(), float(success), success, self.steps >= self.max_steps, info

    def preview(self, actions) -> list[dict]:
        here, seen = self.position, []
        for action in actions:
            self.position = self._moved(action)
            seen.append(self._obs())
        self.position = here
        return seen

    def _moved(self, action) -> float:
        return float(np.clip(self.position + SPEED * float(np.asarray(action).reshape(-1)[0]), 0.0, 1.0))

    def render(self):
        return self._camera(+1)[0]

    def _camera(self, facing: int) -> tuple[np.ndarray, np.ndarray]:
        rgb, depth = np.zeros((H, W, 3), np.uint8), np.ones((H, W), np.float32)
        for colour, thing, x in self.things:
            ahead = (x - self.position) * facing
            if 0 <= ahead < 1:
                column, rows = int(ahead * (W - 4)), slice(0, H if thing == "door" else H // 2)
                rgb[rows, column : column + 4, COLOURS.index(colour)] = 255
                depth[rows, column : column + 4] = ahead
        return rgb, depth

    def _obs(self) -> dict:
        (front, front_depth), (back, back_depth) = self._camera(+1), self._camera(-1)
        return {"rgb": front, "rgb_back": back, "depth": front_depth, "depth_back": back_depth,
                "proprio": np.array([self.position], np.float32), "instruction": self.instruction}


def _captions(env) -> list[Caption]:
    corridor = env.unwrapped
    return [
        Caption(f"go to the {c} {t}", max(0, math.ceil((x - corridor.position - REACH) / SPEED)), f"the {c} {t}")
        if x >= corridor.position else Caption(f"go to the {c} {t}", None, "")  # behind: the front camera cannot tell
        for c, t, x in corridor.things
    ]


def _level(name: str) -> str:
    if name != "goto":
        raise Sim2ActError(f"unknown corridor level {name!r}; known: goto")
    return name


CORRIDOR = Domain(
    name="corridor",
    summary="a 1-D corridor (the tests' fake domain)",
    build=CorridorEnv,
    levels=Levels(named=("goto",), default="goto", resolve=_level),
    grammar=Grammar(
        vocabulary=("go", "to", "the", *COLOURS, *THINGS),
        compositions=lambda text: frozenset({tuple(text.split()[-2:])}),
        held_out=frozenset({("blue", "door")}),
    ),
    sensors=lambda options: Sensors(cameras=("rgb", "rgb_back"), depth=("depth", "depth_back"), depth_range=(0.0, 1.0)),
    vision=lambda options: VisionDefaults(stem="patch", patch_size=8),
    captions=_captions,
    preview=True,
)
register_domain(CORRIDOR)
register_domain(replace(CORRIDOR, name="blind-corridor", captions=None, preview=False))
TINY_POLICY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, action_bins=8)


def test_the_corridor_passes_check_env():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gym.make(gym_id("corridor", "goto"), render_mode="rgb_array").unwrapped)


def test_generate_train_eval_on_a_domain_generic_code_never_heard_of(tmp_path):
    data = tmp_path / "data"
    generate(GenerateConfig(domain="corridor", episodes=24, num_envs=4, shard_episodes=8, labels="both", seed=1), data)
    _, card = open_dataset(data)
    assert card.features["rgb_back"]["shape"] == [H, W, 3] and card.features["depth_back"]["shape"] == [H, W]
    assert card.features["action"] == {"dtype": "float32", "shape": [1]}
    assert card.sensors["cameras"] == ["rgb", "rgb_back"] and card.sensors["depth"] == ["depth", "depth_back"]
    stats = card.stats
    assert len(stats["rgb"]["mean"]) == 3 and len(stats["depth"]["mean"]) == 1 and stats["proprio"]["count"] == card.counts["steps"]
    assert 0.0 <= stats["proprio"]["min"][0] <= stats["proprio"]["mean"][0] <= stats["proprio"]["max"][0] <= 1.0
    assert -1.0 <= stats["action"]["min"][0] and stats["action"]["max"][0] <= 1.0
    assert contact_sheet(data, tmp_path / "sheet.png", samples=4).is_file()

    run = tmp_path / "train"
    train(TrainConfig(data=str(data), policy=TINY_POLICY, steps=6, batch_size=32, warmup_steps=1, log_every=3), run)
    policy = load_policy(run / "checkpoints" / "last")
    spec = policy.spec
    assert spec.image_shape == (H, 2 * W, 4) and spec.cameras == ("rgb", "rgb_back") and spec.depth_range == (0.0, 1.0)
    low, high = stats["proprio"]["min"][0], stats["proprio"]["max"][0]
    assert spec.proprio_min + spec.proprio_max == pytest.approx((low, high)) and policy.config.vision_stem == "patch"
    assert policy.proprio_scale.item() == pytest.approx(2 / (high - low))  # [min, max] → [-1, 1]

    report = evaluate(EvalConfig(checkpoint=str(run), split="test_unseen_composition", episodes=8, num_envs=4), tmp_path / "eval")
    assert report.episodes == report.overall.episodes == 8 and 0.0 <= report.overall.success_rate <= 1.0
    sampler = TaskSampler("corridor", "goto", "test_unseen_composition", seed=0)
    assert sampler.reset(make("corridor"), 0)[0].instruction.endswith("blue door")


def test_a_prior_pretrained_on_the_corridor_proposes_box_actions(tmp_path):
    prior = tmp_path / "prior"
    pretrain_prior(PriorConfig(domain="corridor", frames=120, steps=3, batch_size=32, hidden_size=16, layers=1, heads=2,
                               projection_dim=8), prior)
    assert read_prior_info(prior)["config"]["patch_size"] == 8
    assert ClipEmbedder.load(prior).image_size == W  # 32×48 frames: CLIP's square input is the longer side
    data = tmp_path / "data"
    generate(GenerateConfig(domain="corridor", episodes=8, num_envs=4, proposer="prior", prior=str(prior)), data)
    _, card = open_dataset(data)
    assert card.counts["executed_steps"] > 0 and card.counts["preview_steps"] == 16 * card.counts["executed_steps"]


def test_a_two_round_sim2act_run_on_the_corridor(tmp_path):
    config = tmp_path / "corridor.toml"
    config.write_text(
        'domain = "corridor"\nprior_frames = 120\nprior_steps = 3\nrounds = 2\nround0_episodes = 24\nepisodes_per_round = 16\n'
        "round0_train_steps = 6\ntrain_steps_per_round = 4\nval_episodes = 8\ntest_episodes_per_round = 8\n"
        "final_episodes = 8\ngifs = 1\nnum_envs = 4\npatience = 5\n"
        "[policy]\nd_model = 32\nheads = 2\nfusion_layers = 1\nmemory = 2\naction_bins = 8\n"
        "[train]\nbatch_size = 32\nwarmup_steps = 1\n"
    )
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "run" / "report" / "summary.json").read_text())
    assert [r["round"] for r in summary["rounds"]] == [0, 1] and summary["final"]
    assert summary["prior_frames"] == 120 and summary["rounds"][0]["collection"]["preview_steps"] > 0
    assert (tmp_path / "run" / "report" / "report.md").is_file() and list((tmp_path / "run" / "report" / "gifs").glob("*.gif"))


def test_the_rl_env_sees_what_the_policy_sees():
    env = TaskEnv("corridor", "goto")
    obs, _ = env.reset(seed=0)
    assert env.observation_space["image"].shape == (H, 2 * W, 4) and env.observation_space.contains(obs)
    assert obs["proprio"].shape == (1,)


def test_capabilities_a_domain_lacks_are_refused_in_one_line():
    with pytest.raises(Sim2ActError, match="declares no previews"):
        LoopConfig(domain="blind-corridor").validated()
    with pytest.raises(Sim2ActError, match="no exact state keys"):
        GenerateConfig(domain="corridor", erase_loops=True).validated()
    assert LoopConfig(domain="blind-corridor", round0_proposer="uniform").validated().erase_loops is False
    assert LoopConfig(domain="corridor").validated().erase_loops is False
    with pytest.raises(Sim2ActError, match="--reuse-previews: domain 'corridor' reports no exact state keys"):
        GenerateConfig(domain="corridor", reuse_previews=True).validated()
    with pytest.raises(Sim2ActError, match="reuse_previews: domain 'corridor'"):
        LoopConfig(domain="corridor", reuse_previews=True).validated()
    assert LoopConfig(domain="corridor").validated().reuse_previews is False

