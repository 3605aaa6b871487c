"""``sim2act eval``: success rate (95% CI), reward, completion time and diversity of a checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.progress import Bar
from sim2act.envs import parse_env_options
from sim2act.envs.options import ENV_HELP
from sim2act.evaluation import EvalConfig, evaluate, format_summary_line
from sim2act.evaluation.report import EVAL_INFO, EVAL_MARKDOWN, markdown_table

D = EvalConfig(checkpoint="")


@user_errors_exit_cleanly
def eval_command(
    checkpoint: Annotated[Path, typer.Option(help="Policy checkpoint folder or training run folder.")],
    out: Annotated[Path, typer.Option(help="Folder for eval_info.json, eval.md and GIFs.")],
    split: Annotated[str, typer.Option(help="train | val | test_unseen_layout | test_unseen_composition.")] = D.split,
    episodes: Annotated[int, typer.Option(help="Episodes in total, spread over the levels.")] = D.episodes,
    level: Annotated[Optional[list[str]], typer.Option(help="Level to evaluate on (repeatable); default: the training levels.")] = None,
    greedy: Annotated[bool, typer.Option("--greedy/--sample", help="Most likely action, or sample from the policy.")] = D.greedy,
    policy_temperature: Annotated[float, typer.Option(help="Temperature actions are sampled at (below 1: the policy's likelier actions more often).")] = D.policy_temperature,
    seed: Annotated[int, typer.Option(help="Seed of task sampling and action sampling.")] = D.seed,
    num_envs: Annotated[int, typer.Option(help="Envs stepped together in this process.")] = D.num_envs,
    gifs: Annotated[int, typer.Option(help="Episodes to save as captioned GIFs.")] = D.gifs,
    env: Annotated[Optional[list[str]], typer.Option("--env", help=ENV_HELP + " Overrides the policy's own.")] = None,
) -> None:
    """Roll CHECKPOINT out on a task split; write eval_info.json and a markdown table to OUT."""
    config = EvalConfig(
        checkpoint=str(checkpoint),
        split=split,
        episodes=episodes,
        levels=tuple(level or ()),
        greedy=greedy,
        policy_temperature=policy_temperature,
        seed=seed,
        num_envs=num_envs,
        gifs=gifs,
        env=parse_env_options(env or []),
    )
    with Bar(f"eval {split}") as bar:
        report = evaluate(config, out, progress=bar)
    typer.echo(markdown_table(report))
    typer.echo(f"{format_summary_line(report)} -> {out / EVAL_INFO}, {out / EVAL_MARKDOWN}")
