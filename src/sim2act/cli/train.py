"""``sim2act train``: fit π_θ(a | o, ℓ) to a dataset with BC + multi-positive InfoNCE."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.progress import Bar
from sim2act.models import PolicyConfig
from sim2act.training import TrainConfig, train
from sim2act.training.distributed import Ranks

D, P = TrainConfig(data=""), PolicyConfig()


@user_errors_exit_cleanly
def train_command(
    data: Annotated[Path, typer.Option(help="Dataset folder made by `sim2act generate`.")],
    out: Annotated[Path, typer.Option(help="Run folder for checkpoints, config and TensorBoard logs.")],
    replay: Annotated[Optional[Path], typer.Option(help="A second dataset mixed into every batch (e.g. the one --init-policy was trained on).")] = None,
    replay_fraction: Annotated[float, typer.Option(help="Share of each batch drawn from --replay.")] = D.replay_fraction,
    steps: Annotated[int, typer.Option(help="Optimizer steps in total.")] = D.steps,
    batch_size: Annotated[int, typer.Option(help="Samples per optimizer step (over all processes under torchrun).")] = D.batch_size,
    lr: Annotated[float, typer.Option(help="Peak AdamW learning rate.")] = D.lr,
    weight_decay: Annotated[float, typer.Option(help="AdamW weight decay.")] = D.weight_decay,
    warmup_steps: Annotated[int, typer.Option(help="Linear warm-up steps before the cosine decay.")] = D.warmup_steps,
    grad_clip: Annotated[float, typer.Option(help="Clip the global gradient norm to this value.")] = D.grad_clip,
    contrastive_weight: Annotated[float, typer.Option(help="λ of the InfoNCE term; 0 turns it off.")] = D.contrastive_weight,
    temperature: Annotated[float, typer.Option(help="τ of the InfoNCE term.")] = D.temperature,
    jitter: Annotated[float, typer.Option(help="Photometric jitter strength of training frames (brightness, contrast, white balance, noise); 0: off.")] = D.jitter,
    shift: Annotated[int, typer.Option(help="Random shift of training frames by up to this many pixels (first-person cameras; refused where actions name image cells); 0: off.")] = D.shift,
    encoder: Annotated[str, typer.Option(help="Encoder backend: small | clip.")] = P.encoder,
    clip_path: Annotated[Optional[str], typer.Option(help="Local CLIP checkpoint folder (encoder clip).")] = None,
    init_from: Annotated[Optional[str], typer.Option(help="Prior checkpoint that initialises the encoders.")] = None,
    encoder_mode: Annotated[str, typer.Option(help="finetune | frozen encoders.")] = P.encoder_mode,
    init_policy: Annotated[Optional[str], typer.Option(help="Policy checkpoint to fine-tune instead of a fresh policy.")] = None,
    vision_stem: Annotated[Optional[str], typer.Option(help="Tokens of the small encoder: patch | factored (colour + form per grid cell) | chroma (colour + form per camera patch) | chroma-cnn (chroma, its form read by a CNN); default: the domain's.")] = None,
    patch_size: Annotated[Optional[int], typer.Option(help="Pixels per visual token side; default: the domain's.")] = None,
    action_head: Annotated[Optional[str], typer.Option(help="independent (a softmax per dimension) | pick_place (spatial pick, then place, for MultiDiscrete([N, N]) cells) | keypoints (Box actions from instruction-conditioned image keypoints) | cell_servo (Box end-effector actions toward grounded cells, learned from hindsight grasps); default: the domain's.")] = None,
    d_model: Annotated[int, typer.Option(help="Token and context width.")] = P.d_model,
    text_layers: Annotated[int, typer.Option(help="Self-attention layers of the small text encoder.")] = P.text_layers,
    fusion_layers: Annotated[int, typer.Option(help="Cross-attention fusion layers.")] = P.fusion_layers,
    memory: Annotated[int, typer.Option(help="Observations in the policy's window.")] = P.memory,
    action_bins: Annotated[int, typer.Option(help="Bins per dimension of a Box action.")] = P.action_bins,
    action_chunk: Annotated[int, typer.Option(help="Box actions predicted (and executed) per observation: an action chunk.")] = P.action_chunk,
    prior_stream: Annotated[Optional[str], typer.Option(help="A π0 folder whose frozen cell scores the pick_place head adds to its own (CLIPort's semantic stream).")] = None,
    word_dropout: Annotated[float, typer.Option(help="With --prior-stream: share of training instructions whose words the head's own grounding may not see.")] = P.word_dropout,
    prior_stream_rows: Annotated[str, typer.Option(help="With --prior-stream: all | unread (only instructions with a word the head cannot read).")] = P.prior_stream_rows,
    view_weight: Annotated[float, typer.Option(help="Weight of the view loss: h_c says where the instruction's object is in the frame (domains that annotate it); 0: off.")] = P.view_weight,
    view_parts: Annotated[bool, typer.Option("--view-parts", help="With --view-weight: also where the named attribute and the named kind are seen, each on its own.")] = P.view_parts,
    view_map: Annotated[bool, typer.Option("--view-map", help="With --view-weight and a chroma, chroma-cnn or factored stem: the action head also reads a map of the named attribute on colour and the named kind on form.")] = P.view_map,
    seed: Annotated[int, typer.Option(help="Seed of initialisation and batch order.")] = D.seed,
    device: Annotated[str, typer.Option(help="auto | cpu | cuda.")] = D.device,
    log_every: Annotated[int, typer.Option(help="Steps between log lines.")] = D.log_every,
    checkpoint_every: Annotated[int, typer.Option(help="Steps between checkpoints.")] = D.checkpoint_every,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in OUT from checkpoints/last.")] = False,
) -> None:
    """Train a policy on DATA; checkpoints (safetensors) go to OUT/checkpoints, `last` points at the newest.

    Data-parallel over N processes: `torchrun --nproc-per-node N -m sim2act train ...` (gloo on CPU, nccl on GPUs;
    --batch-size is the global batch, split evenly over the processes).
    """
    policy = PolicyConfig(
        encoder=encoder,
        clip_path=clip_path,
        init_from=init_from,
        encoder_mode=encoder_mode,
        vision_stem=vision_stem,
        patch_size=patch_size,
        action_head=action_head,
        d_model=d_model,
        text_layers=text_layers,
        fusion_layers=fusion_layers,
        memory=memory,
        action_bins=action_bins,
        action_chunk=action_chunk,
        prior_stream=prior_stream,
        word_dropout=word_dropout,
        prior_stream_rows=prior_stream_rows,
        view_weight=view_weight,
        view_parts=view_parts,
        view_map=view_map,
    )
    config = TrainConfig(
        data=str(data),
        replay=str(replay) if replay else None,
        replay_fraction=replay_fraction,
        policy=policy,
        init_policy=init_policy,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        warmup_steps=warmup_steps,
        grad_clip=grad_clip,
        contrastive_weight=contrastive_weight,
        temperature=temperature,
        jitter=jitter,
        shift=shift,
        seed=seed,
        device=device,
        log_every=log_every,
        checkpoint_every=checkpoint_every,
    )
    if not Ranks.from_env().main:  # under torchrun, rank 0 alone reports
        train(config, out, resume=resume)
        return
    with Bar(f"train {out.name}") as bar:
        summary = train(config, out, resume=resume, progress=bar)
    typer.echo(
        f"trained {summary.steps} steps ({summary.samples:,} samples in {summary.seconds:.0f}s, "
        f"{summary.samples_per_second:,.0f} samples/s), loss {summary.final_loss:.3f}, "
        f"accuracy {summary.final_accuracy:.1%} -> {summary.checkpoint}"
    )
