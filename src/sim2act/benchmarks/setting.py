"""What every benchmark tells a method: the task, the held-out split, the budgets and each method's knobs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sim2act.envs import check_env_options, get_domain
from sim2act.loop import LoopConfig


@dataclass(frozen=True)
class MethodSetting:
    """One benchmark's settings for the methods it compares (same env, same splits, same observation)."""

    domain: str = "grid"
    """Simulator domain."""
    level: str | None = None
    """Level every method trains on (None: the domain's default level)."""
    env: dict = field(default_factory=dict)
    """Env options every method's envs are built with, over the loop's own ``env``: ``--env key=value``."""
    split: str = "test_unseen_composition"
    """Held-out split of the success-against-env-steps curves."""
    eval_episodes: int = 200
    """Episodes per evaluation on the held-out split."""
    loop: LoopConfig = field(default_factory=LoopConfig)
    """The Sim2Act loop (``sim2act run``'s config); its domain, level and seed are set by the benchmark."""
    rl_steps: int = 1_000_000
    """Env-step budget of each RL-from-scratch run (the sample-efficiency bench makes it 10x Sim2Act's simulator steps)."""
    rl_evaluations: int = 10
    """Evaluations of an RL run on the held-out split, at evenly spaced env-step marks."""
    rl_stop_at: float | None = None
    """An RL run stops at its first evaluation at or above this held-out success (the sample-efficiency
    target); None: it spends its whole budget."""
    rl: dict = field(default_factory=dict)
    """Overrides of the RL baselines' ``RLConfig`` (n_steps, learning_rate, ...)."""
    rlfp: dict = field(default_factory=dict)
    """Overrides of RLFP's ``RLFPConfig`` (its prior weights, buffer, updates per step, ...)."""
    decision_stacks: dict = field(default_factory=dict)
    """Overrides of Decision Stacks' ``DecisionStacksConfig`` (horizon, widths, training steps, ...)."""
    bc_demos: tuple[int, ...] = (1000, 3000, 10000)
    """Expert BC: bot demonstrations (episodes) of each training run; one curve point per entry."""
    bc_train_steps: int = 2000
    """Expert BC: optimizer steps of each training run."""
    bc_train: dict = field(default_factory=dict)
    """Expert BC: overrides of ``TrainConfig``'s optimisation knobs."""

    def resolved(self) -> MethodSetting:
        """This setting with its level named canonically (the default level when None), the loop's env options under
        ``env`` (every method sees the loop's camera and action mode, not only Sim2Act); bad env options refused."""
        level = get_domain(self.domain).resolve_level(self.level)
        env = {**self.loop.env, **self.env}
        check_env_options(self.domain, level, env)
        return replace(self, level=level, env=env)


QUICK_LOOP = LoopConfig(
    prior_frames=300, prior_steps=20, round0_episodes=12, episodes_per_round=12, rounds=2, round0_train_steps=30,
    train_steps_per_round=20, val_episodes=8, test_episodes_per_round=8, final_episodes=8, gifs=0, num_envs=8,
    train={"batch_size": 64},
)
"""A loop small enough for ``--quick`` (it checks that everything runs, not how well)."""

QUICK_LOOP_SIZES = ("prior_frames", "prior_steps", "round0_episodes", "episodes_per_round", "rounds", "round0_train_steps",
                    "train_steps_per_round", "val_episodes", "test_episodes_per_round", "final_episodes", "gifs", "num_envs")
"""The fields ``quick_loop`` takes from ``QUICK_LOOP``: its sizes, not how π0 proposes or what π_θ is."""


def quick_loop(loop: LoopConfig) -> LoopConfig:
    """``loop`` (e.g. a domain's shipped config) cut to ``QUICK_LOOP``'s sizes; its prior mode, policy, env and
    optimisation knobs stay (the batch size no larger than the quick loop's)."""
    sizes = {name: getattr(QUICK_LOOP, name) for name in QUICK_LOOP_SIZES}
    batch = min(loop.train.get("batch_size", QUICK_LOOP.train["batch_size"]), QUICK_LOOP.train["batch_size"])
    return replace(loop, **sizes, train={**loop.train, "batch_size": batch})


def quick_setting(**overrides) -> MethodSetting:
    """Budgets of every method cut down to seconds, for ``--quick`` and the tests."""
    base = dict(
        eval_episodes=8, loop=QUICK_LOOP, rl_steps=2048, rl_evaluations=2, rl={"n_steps": 128, "n_envs": 4},
        bc_demos=(16, 32), bc_train_steps=30, bc_train={"batch_size": 64},
        rlfp={"learning_starts": 100, "batch_size": 32, "warm_start_episodes": 8},
        decision_stacks={"train_steps": 30, "batch_size": 32},
    )
    return MethodSetting(**{**base, **overrides})
