"""``sim2act generate``: log (observation, instruction, action) episodes to a Parquet dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.progress import GenerationBar
from sim2act.data.generation import GenerateConfig, generate

D = GenerateConfig()


@user_errors_exit_cleanly
def generate_command(
    out: Annotated[Path, typer.Option(help="Dataset folder (created, resumed or appended to).")],
    domain: Annotated[str, typer.Option(help="Simulator domain.")] = D.domain,
    level: Annotated[str, typer.Option(help="Level of the domain, e.g. a BabyAI level.")] = D.level,
    split: Annotated[str, typer.Option(help="train | val | test_unseen_layout | test_unseen_composition.")] = D.split,
    episodes: Annotated[int, typer.Option(help="Episodes to generate.")] = D.episodes,
    proposer: Annotated[str, typer.Option(help="Proposer choosing the actions: uniform | bot.")] = D.proposer,
    alpha: Annotated[float, typer.Option(help="Mix with uniform actions: alpha*proposer + (1-alpha)*Uniform.")] = D.alpha,
    seed: Annotated[int, typer.Option(help="Seed of tasks and proposer randomness.")] = D.seed,
    num_envs: Annotated[int, typer.Option(help="Envs stepped together in this process.")] = D.num_envs,
    shard_episodes: Annotated[int, typer.Option(help="Episodes per Parquet shard.")] = D.shard_episodes,
    iteration: Annotated[int, typer.Option(help="Bootstrapping round recorded with each step.")] = D.iteration,
    append: Annotated[bool, typer.Option("--append", help="Add a run with this config to an existing dataset.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing dataset.")] = False,
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
    )
    with GenerationBar(f"{domain}/{level} {split}") as bar:
        summary = generate(config, out, append=append, overwrite=overwrite, progress=bar)
    resumed = f" (+{summary.resumed_episodes} resumed)" if summary.resumed_episodes else ""
    rate = summary.successes / summary.episodes if summary.episodes else 0.0
    typer.echo(
        f"generated {summary.episodes} episodes{resumed}, {summary.steps:,} steps in {summary.seconds:.1f}s "
        f"({summary.steps_per_second:,.0f} steps/s), success {rate:.1%} -> {out}"
    )
