"""``train_rlfp``: RL with foundation priors on the train split of a domain, top to bottom.

The agent is the discrete soft actor-critic over joint actions (``agent``) or, in a Box action space,
DrQ-v2's actor-critic (``continuous_agent``); the loop is the same. Each vector step:

1. π0 gives its action distribution on every env's frame and instruction (in a Box space, its action),
   previews counted as simulator steps, and the value prior V(o, ℓ) (``priors.FoundationPriors``).
2. The action (``agent.act``): π0's during the warm start (the first ``warm_start_episodes`` episodes);
   afterwards the actor's, or π0's when the critic values it higher (``q_filter``).
3. The reward: λ·success (the verifier) + ``value_shaping``·(γ·V(o′) − V(o)), with V = 0 after a termination.
   The env's own reward (BabyAI's, the tabletop's shaping) is never read.
4. The transition goes to the n-step replay with π0's distribution (or action); a successful episode's steps go to the
   success buffer when it ends.
5. ``updates_per_step`` updates per executed env step once ``learning_starts`` steps are in.

Its budget and marks are simulator steps: executed steps, π0's previews and the steps that collected π0's
frames. At each mark, ``on_mark(env_steps, simulator_steps, proposer)`` gets the actor as a
proposer, then the agent, both buffers and the counters are checkpointed, so a killed run continues from its
last mark (its envs start new episodes; the steps after the mark are run again, not counted twice). A mark's files
are written beside the last mark's, which are removed only once the new counters name the new files: a kill while
the buffers are written (hundreds of MB) loses the steps since the last mark, not the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from sim2act import features as F
from sim2act.baselines.rlfp.agent import FoundationActorCritic
from sim2act.baselines.rlfp.buffer import NStepReplay, SuccessBuffer, load_buffers, save_buffers
from sim2act.baselines.rlfp.config import RLFPConfig
from sim2act.baselines.rlfp.continuous_agent import BoxActions, ContinuousFoundationActorCritic
from sim2act.baselines.rlfp.priors import agent_actions, prior_guide
from sim2act.baselines.rlfp.proposer import CONFIG_FILE, RLFPProposer, save_rlfp
from sim2act.baselines.sb3_training import TASK_SEED_STRIDE
from sim2act.baselines.task_env import TaskEnv
from sim2act.data.atomic import atomic_write, atomic_write_text, remove_stale_temp_files
from sim2act.envs import get_domain
from sim2act.progress import Progress

CHECKPOINT = "checkpoint.pt"
BUFFERS = "buffers.npz"
"""The agent's and the buffers' files of a checkpoint whose counters name none (written before they did)."""
COUNTERS = "checkpoint.json"
"""Written last at a mark: the counters of the checkpoint and the names of its agent and buffer files."""
SUCCESS_CAPACITY_SHARE = 0.25
"""The success buffer holds this share of ``buffer_size`` transitions."""


@dataclass
class RLFPRun:
    """What one ``train_rlfp`` call did."""

    env_steps: int = 0
    """Executed env steps (all envs together), the resumed part included."""
    preview_steps: int = 0
    """Simulator steps π0 ran to preview actions (never executed)."""
    episodes: int = 0
    episode_successes: list[bool] = field(default_factory=list)
    """Success of each training episode finished in this call, in order."""
    seconds: float = 0.0
    stopped_early: bool = False


def _envs(config: RLFPConfig) -> list[TaskEnv]:
    return [TaskEnv(config.domain, config.level, "train", seed=TASK_SEED_STRIDE * config.seed + i, env_options=config.env)
            for i in range(config.n_envs)]


def _stack(observations: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.stack([o[key] for o in observations]) for key in observations[0]}


def train_rlfp(
    config: RLFPConfig,
    out: Path,
    marks: Sequence[int] = (),
    on_mark: Callable[[int, int, RLFPProposer], bool | None] | None = None,
    progress: Progress | None = None,
    *,
    resume: bool = False,
) -> RLFPRun:
    """Train RLFP from scratch (or continue its checkpoint in ``out`` with ``resume``); save the actor in ``out``."""
    config = config.validated()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(out)  # a checkpoint half written when a run was killed
    envs = _envs(config)
    actions = agent_actions(envs[0].action_space)
    priors = prior_guide(config, envs[0].action_space)
    torch.manual_seed(config.seed)  # before the networks are built: their initial weights depend on the seed alone
    agent = make_agent(envs[0].observation_space, actions, config)
    replay = NStepReplay(config.buffer_size, config.n_step, config.gamma)
    successes = SuccessBuffer(max(1, int(config.buffer_size * SUCCESS_CAPACITY_SHARE)))
    rng = np.random.default_rng(config.seed)
    run = RLFPRun()
    threads_before = torch.get_num_threads()
    torch.set_num_threads(config.torch_threads)
    try:
        previews_before = 0
        saved = _counters(out, config) if resume else None
        if saved is not None:
            agent.load_state_dict(torch.load(out / saved["files"][0], weights_only=False))
            load_buffers(out / saved["files"][1], replay, successes)
            run.env_steps, previews_before, run.episodes = saved["env_steps"], saved["preview_steps"], saved["episodes"]
            rng.bit_generator.state = saved["rng"]
        else:
            (out / COUNTERS).unlink(missing_ok=True)
        atomic_write_text(out / CONFIG_FILE, json.dumps(asdict(config), indent=2) + "\n")
        progress = progress or Progress()

        def spent() -> int:
            return run.env_steps + previews_before + priors.preview_steps + config.prior_env_steps

        progress.start(config.simulator_steps, spent())
        pending = sorted(m for m in marks if m > spent() or (saved is None and m <= spent()))
        started = time.perf_counter()

        def call_marks() -> None:
            while pending and pending[0] <= spent() and not run.stopped_early:
                pending.pop(0)
                proposer = RLFPProposer(agent.net, config.domain, actions.space, config.env)
                run.preview_steps = previews_before + priors.preview_steps
                if on_mark is not None:
                    run.stopped_early = bool(on_mark(run.env_steps, spent(), proposer))
                _checkpoint(out, config, agent, replay, successes, run, rng)

        observations = [env.reset()[0] for env in envs]
        for slot, env in enumerate(envs):
            priors.begin_episode(slot, env)
        values = priors.value([env.raw_observation for env in envs]) if config.value_shaping else np.zeros(len(envs))
        update_credit = 0.0
        uses_policy_prior = config.prior_kl > 0 or config.warm_start_episodes > 0 or config.q_filter  # else π0 never previews
        call_marks()
        while spent() < config.simulator_steps and not run.stopped_early:
            before = spent()
            raws = [env.raw_observation for env in envs]
            prior = priors.policy(raws, envs, list(range(len(envs))), rng) if uses_policy_prior else priors.unused(len(envs))
            agent.env_steps = run.env_steps
            chosen = agent.act(_stack(observations), prior, rng, warm=run.episodes < config.warm_start_episodes)
            steps = []
            for slot, (env, index) in enumerate(zip(envs, chosen)):
                action = actions.env_action(index)
                next_obs, _, terminated, truncated, info = env.step(action)
                priors.executed(slot, action)
                steps.append((next_obs, terminated, truncated, bool(info.get(F.INFO_SUCCESS, False))))
            next_values = priors.value([env.raw_observation for env in envs]) if config.value_shaping else np.zeros(len(envs))
            for slot, (env, (next_obs, terminated, truncated, success)) in enumerate(zip(envs, steps)):
                potential = 0.0 if terminated else config.gamma * float(next_values[slot])
                reward = config.success_reward * success + config.value_shaping * (potential - float(values[slot]))
                done = terminated or truncated
                replay.add(slot, observations[slot], chosen[slot], reward, next_obs, terminated, truncated, prior[slot])
                successes.add(slot, observations[slot], chosen[slot], done, success)
                observations[slot] = next_obs
                if done:
                    run.episodes += 1
                    run.episode_successes.append(success)
                    observations[slot] = env.reset()[0]
                    priors.begin_episode(slot, env)
                    next_values[slot] = priors.value([env.raw_observation])[0] if config.value_shaping else 0.0
            values = next_values
            run.env_steps += len(envs)
            progress.advance(spent() - before)
            if run.env_steps >= config.learning_starts:
                update_credit += len(envs) * config.updates_per_step
                while update_credit >= 1 and len(replay) >= config.batch_size:
                    update_credit -= 1
                    success_batch = successes.sample(config.batch_size, rng) if len(successes) and config.success_kl else None
                    agent.update(replay.sample(config.batch_size, rng), success_batch)
            call_marks()
        run.preview_steps = previews_before + priors.preview_steps
        run.seconds = time.perf_counter() - started
        save_rlfp(out, agent.net, config, run.env_steps, run.preview_steps)
        return run
    finally:
        torch.set_num_threads(threads_before)
        for env in envs:
            env.close()


def make_agent(observation_space, actions, config: RLFPConfig) -> FoundationActorCritic | ContinuousFoundationActorCritic:
    """The discrete soft actor-critic over joint actions, or DrQ-v2's actor-critic over a Box."""
    cell_pixels = get_domain(config.domain).vision(config.env).patch_size
    if isinstance(actions, BoxActions):
        return ContinuousFoundationActorCritic(observation_space, actions.space, config, cell_pixels)
    return FoundationActorCritic(observation_space, actions.n, config, cell_pixels)


def _checkpoint(out: Path, config: RLFPConfig, agent, replay, successes, run: RLFPRun, rng: np.random.Generator) -> None:
    files = [f"{Path(name).stem}-{run.env_steps}{Path(name).suffix}" for name in (CHECKPOINT, BUFFERS)]
    atomic_write(out / files[0], lambda tmp: torch.save(agent.state_dict(), tmp))
    atomic_write(out / files[1], lambda tmp: save_buffers(Path(tmp), replay, successes))
    counters = {"env_steps": run.env_steps, "preview_steps": run.preview_steps, "episodes": run.episodes,
                "rng": rng.bit_generator.state, "config": asdict(config), "files": files}
    atomic_write_text(out / COUNTERS, json.dumps(counters))
    for name in (CHECKPOINT, BUFFERS):  # the earlier marks' files, now that the counters name these
        for older in out.glob(f"{Path(name).stem}*{Path(name).suffix}"):
            if older.name not in files:
                older.unlink()


def _counters(out: Path, config: RLFPConfig) -> dict | None:
    """The last checkpoint's counters (``files``: its agent's and buffers' files), when it is whole and was made with
    ``config`` (π0's folder compared as the folder it resolves to, however its path was spelled)."""
    try:
        counters = json.loads((out / COUNTERS).read_text())
    except (OSError, ValueError):
        return None
    counters.setdefault("files", [CHECKPOINT, BUFFERS])
    saved = {**json.loads(json.dumps(asdict(RLFPConfig()))), **counters.get("config", {})}  # fields added since: defaults
    same = _identity(saved) == _identity(json.loads(json.dumps(asdict(config))))
    return counters if same and all((out / name).is_file() for name in counters["files"]) else None


def _identity(config: dict) -> dict:
    return {**config, "prior": str(Path(config["prior"]).resolve()) if config.get("prior") else config.get("prior")}


def resumable_env_steps(out: Path, config: RLFPConfig) -> int | None:
    """Executed env steps of the checkpoint in ``out`` that ``train_rlfp(config, out, resume=True)`` continues from, or
    None where it would start afresh (no whole checkpoint, or one made with another config)."""
    counters = _counters(Path(out), config.validated())
    return None if counters is None else int(counters["env_steps"])
