"""``sim2act generate``: log (observation, instruction, action) episodes to a Parquet dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.executor_options import AddressOption, ExecutorOption, WorkersOption, open_executor
from sim2act.cli.progress import Bar
from sim2act.data.hub_card import README
from sim2act.envs import parse_env_options
from sim2act.envs.options import ENV_HELP
from sim2act.rollout.generation import GenerateConfig, generate

D = GenerateConfig()


@user_errors_exit_cleanly
def generate_command(
    out: Annotated[Path, typer.Option(help="Dataset folder (created, resumed or appended to).")],
    domain: Annotated[str, typer.Option(help="Simulator domain.")] = D.domain,
    level: Annotated[Optional[str], typer.Option(help="Level of the domain (default: the domain's).")] = None,
    split: Annotated[str, typer.Option(help="train | val | test_unseen_layout | test_unseen_composition.")] = D.split,
    episodes: Annotated[int, typer.Option(help="Episodes to generate.")] = D.episodes,
    proposer: Annotated[str, typer.Option(help="Proposer choosing the actions: uniform | prior | policy | expert.")] = D.proposer,
    alpha: Annotated[float, typer.Option(help="Mix with uniform actions: alpha*proposer + (1-alpha)*Uniform.")] = D.alpha,
    seed: Annotated[int, typer.Option(help="Seed of tasks and proposer randomness.")] = D.seed,
    num_envs: Annotated[int, typer.Option(help="Envs stepped together in this process.")] = D.num_envs,
    shard_episodes: Annotated[int, typer.Option(help="Episodes per Parquet shard.")] = D.shard_episodes,
    iteration: Annotated[int, typer.Option(help="Bootstrapping round recorded with each step.")] = D.iteration,
    labels: Annotated[str, typer.Option(help="Self-supervised labels: none | success | hindsight | both.")] = D.labels,
    erase_loops: Annotated[bool, typer.Option("--erase-loops", help="Cut detours where the simulator state repeats.")] = D.erase_loops,
    shortcuts: Annotated[bool, typer.Option("--shortcuts", help="Straighten kept paths toward where they ended, where the simulator confirms it (needs --erase-loops).")] = D.shortcuts,
    retries: Annotated[int, typer.Option(help="Roll each failed task out again up to this many more times; label its first success.")] = D.retries,
    policy: Annotated[Optional[str], typer.Option(help="Policy checkpoint or run for --proposer policy.")] = None,
    policy_temperature: Annotated[float, typer.Option(help="Temperature --proposer policy samples its actions at (below 1: its likelier actions more often).")] = D.policy_temperature,
    prior: Annotated[Optional[str], typer.Option(help="Prior folder for --proposer prior (sim2act pretrain-prior, or CLIP).")] = None,
    prior_temperature: Annotated[Optional[float], typer.Option(help="Softmax temperature of the prior's cosine scores.")] = None,
    reuse_previews: Annotated[bool, typer.Option("--reuse-previews", help="The prior reuses a state's scores when an episode returns to it (exact state keys only).")] = D.reuse_previews,
    prior_mode: Annotated[str, typer.Option(help="How the prior proposes: preview (score each action's outcome) | cells (score the image's cells against the instruction's phrases) | cells+preview.")] = D.prior_mode,
    prior_candidates: Annotated[Optional[int], typer.Option(help="Actions the prior previews per step (default: 16 sampled in preview mode, the 8 best-scored in cells+preview).")] = None,
    prior_horizon: Annotated[int, typer.Option(help="Steps each sampled continuous action is held for in the prior's previews and, once chosen, in the env (an action chunk).")] = D.prior_horizon,
    env: Annotated[Optional[list[str]], typer.Option("--env", help=ENV_HELP)] = None,
    append: Annotated[bool, typer.Option("--append", help="Add a run with this config to an existing dataset.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing dataset.")] = False,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    workers: WorkersOption = None,
) -> None:
    """Roll a proposer out on tasks of one split and log every step to OUT (resumable)."""
    config = GenerateConfig(
        domain=domain,
        level=level,
        split=split,
        episodes=episodes,
        proposer=proposer,
        alpha=alpha,
        seed=seed,
        num_envs=num_envs,
        shard_episodes=shard_episodes,
        iteration=iteration,
        labels=labels,
        erase_loops=erase_loops,
        shortcuts=shortcuts,
        retries=retries,
        policy=policy,
        policy_temperature=policy_temperature,
        prior=prior,
        prior_temperature=prior_temperature,
        reuse_previews=reuse_previews,
        prior_mode=prior_mode,
        prior_candidates=prior_candidates,
        prior_horizon=prior_horizon,
        env=parse_env_options(env or []),
    )
    shown = config.validated()
    with open_executor(executor, address, workers) as runner, Bar(f"{shown.domain}/{shown.level} {split}") as bar:
        summary = generate(config, out, append=append, overwrite=overwrite, progress=bar, executor=runner)
    resumed = f" (+{summary.resumed_episodes} resumed)" if summary.resumed_episodes else ""
    rate = summary.rollout_successes / summary.rollouts if summary.rollouts else 0.0
    kept = (
        f"; labels {config.labels}: kept {summary.episodes} episodes ({summary.relabeled} relabeled), "
        f"{summary.steps:,} of {summary.executed_steps:,} steps"
        if config.labels != "none" or config.erase_loops
        else ""
    )
    previews = (
        f" + {summary.preview_steps:,} preview steps ({summary.preview_steps / summary.seconds:,.0f}/s)"
        if summary.preview_steps and summary.seconds
        else ""
    )
    if summary.rebuilt_shards:
        typer.echo(f"rebuilt damaged shard(s) {', '.join(f'{i:05d}' for i in summary.rebuilt_shards)}")
    if not summary.rollouts:
        d = summary.dataset
        rate = d["successes"] / d["episodes"] if d.get("episodes") else 0.0
        typer.echo(
            f"nothing left to generate: {out} holds {d.get('episodes', 0):,} episodes, {d.get('steps', 0):,} steps "
            f"({d.get('executed_steps', 0):,} executed), success {rate:.1%}"
        )
        return
    typer.echo(
        f"generated {summary.rollouts} episodes{resumed}, {summary.executed_steps:,} steps in {summary.seconds:.1f}s "
        f"({summary.steps_per_second:,.0f} steps/s){previews}, success {rate:.1%}{kept} -> {out}"
    )
    typer.echo(f"dataset card: {out / README}")
