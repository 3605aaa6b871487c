"""``sim2act pretrain-prior``: pretrain the vision-language prior π0 on simulator frames and captions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.progress import Bar
from sim2act.envs import parse_env_options
from sim2act.envs.options import ENV_HELP
from sim2act.priors import PriorConfig, pretrain_prior

D = PriorConfig()


@user_errors_exit_cleanly
def pretrain_prior_command(
    out: Annotated[Path, typer.Option(help="Prior folder (a Hugging Face CLIP folder plus prior.json).")],
    domain: Annotated[str, typer.Option(help="Simulator domain (it must have a captioner).")] = D.domain,
    level: Annotated[Optional[str], typer.Option(help="Level whose train-split tasks give the frames (default: the domain's).")] = None,
    frames: Annotated[int, typer.Option(help="Frames collected from uniformly random episodes.")] = D.frames,
    steps: Annotated[int, typer.Option(help="Optimizer steps.")] = D.steps,
    batch_size: Annotated[int, typer.Option(help="Frames per optimizer step.")] = D.batch_size,
    lr: Annotated[float, typer.Option(help="Peak AdamW learning rate.")] = D.lr,
    caption_discount: Annotated[float, typer.Option(help="γ: a caption d actions from true is said w.p. γ^d.")] = D.caption_discount,
    hidden_size: Annotated[int, typer.Option(help="Width of both towers.")] = D.hidden_size,
    layers: Annotated[int, typer.Option(help="Transformer layers of each tower.")] = D.layers,
    seed: Annotated[int, typer.Option(help="Seed of tasks, actions, captions, initialisation and batches.")] = D.seed,
    threads: Annotated[int, typer.Option(help="Torch threads (1 is fastest for this small model on a busy 2-core CPU; 0: torch's default).")] = 1,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a non-empty OUT that holds no prior.")] = False,
    env: Annotated[Optional[list[str]], typer.Option("--env", help=ENV_HELP)] = None,
) -> None:
    """Collect (frame, caption) pairs on train-split tasks and train a small CLIP on them contrastively."""
    config = PriorConfig(
        domain=domain,
        level=level,
        frames=frames,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        caption_discount=caption_discount,
        hidden_size=hidden_size,
        layers=layers,
        seed=seed,
        env=parse_env_options(env or []),
    )
    with Bar(f"prior {domain}/{config.validated().level}") as bar:
        summary = pretrain_prior(config, out, overwrite=overwrite, progress=bar, threads=threads or None)
    r, regions = summary.retrieval, summary.region_retrieval
    where = (f", phrases at held-out regions {regions.accuracy:.1%} (chance {regions.chance:.1%}, n={regions.regions:,})"
             if regions else "")
    typer.echo(
        f"pretrained on {summary.frames:,} frames ({summary.env_steps:,} env steps, {summary.collect_seconds:.0f}s), "
        f"{summary.steps} steps "
        f"({summary.frames_seen:,} frames seen, {summary.train_seconds:.0f}s), loss {summary.final_loss:.3f}, "
        f"held-out retrieval {r.accuracy:.1%} (chance {r.chance:.1%}){where} -> {out}"
    )
