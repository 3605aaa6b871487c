"""``sim2act train``: behaviour cloning plus multi-positive InfoNCE, top to bottom.

L = L_BC + λ·L_con (see ``training.losses``), AdamW with warm-up and cosine decay, global gradient
clipping, checkpoints every ``checkpoint_every`` steps. Batch ``s`` is a pure function of the seed and
``s`` (a permutation per epoch), so a resumed run continues exactly where the killed one was. Under
``torchrun`` each process takes its rows of every batch (``training.distributed``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel

from sim2act.data.atomic import atomic_write
from sim2act.data.reader import open_dataset
from sim2act.determinism import deterministic_torch
from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, VisionLanguagePolicy, build_policy, load_policy
from sim2act.models.object_view import view_loss
from sim2act.progress import Progress
from sim2act.training.batches import Batch, TrainingSteps, joined
from sim2act.training.checkpoints import TrainRunFolder, load_training_state, resolve_policy_folder, save_checkpoint
from sim2act.training.config import TrainConfig
from sim2act.training.distributed import Ranks, gather_rows
from sim2act.training.losses import multi_positive_info_nce, same_action_pairs
from sim2act.training.run_log import RunLog
from sim2act.training.schedule import warmup_cosine
from sim2act.training.weight_decay import parameter_groups


@dataclass
class TrainSummary:
    out: Path
    checkpoint: Path
    steps: int
    samples: int
    seconds: float
    final_loss: float
    final_accuracy: float

    @property
    def samples_per_second(self) -> float:
        return self.samples / self.seconds if self.seconds else 0.0


def train(config: TrainConfig, out: str | Path, *, resume: bool = False, progress: Progress | None = None) -> TrainSummary:
    """Train (or resume) a policy on ``config.data``; checkpoints go to ``out/checkpoints``.

    The same config, data and machine give the same weights (``sim2act.determinism``). Under ``torchrun`` every
    process calls this; rank 0 alone writes the run folder and reports progress.
    """
    ranks = Ranks.from_env()
    device = ranks.device(_device(config.device))
    ranks.start(device)
    try:
        with deterministic_torch():
            return _train(config, out, resume, progress if ranks.main else None, ranks, device)
    finally:
        ranks.stop()


def _train(
    config: TrainConfig, out: str | Path, resume: bool, progress: Progress | None, ranks: Ranks, device: torch.device,
) -> TrainSummary:
    config = config.validated()
    ranks.check_batch(config.batch_size)
    progress = progress or Progress()
    run = TrainRunFolder(out)
    _check_run_folder(run, config, resume)
    ranks.barrier()  # every rank has read the folder before rank 0 claims it
    torch.manual_seed(config.seed)

    policy = initial_policy(config)
    data = TrainingSteps(config.data, policy, show_progress=progress.shows_progress, jitter=config.jitter,
                         shift=config.shift)
    replay = TrainingSteps(config.replay, policy, show_progress=progress.shows_progress,
                           jitter=config.jitter, shift=config.shift) if config.replay else None
    for steps in (data, replay):
        if steps is not None:
            policy.read_words(steps.text_ids)
    if ranks.main:
        _claim_run_folder(run, config)
    policy.to(device).train()
    optimizer = torch.optim.AdamW(parameter_groups(policy, config.weight_decay), lr=config.lr)
    state = {"step": 0, "samples": 0}
    if resume and run.last.exists():
        state = load_training_state(run.last.resolve(), policy, optimizer)
    replayed = min(max(round(config.batch_size * config.replay_fraction), 1), config.batch_size - 1) if replay else 0
    order = BatchOrder(len(data), config.batch_size - replayed, config.seed)
    replay_order = BatchOrder(len(replay), replayed, config.seed + 1) if replay is not None else None
    ranks.check_batch(order.batch_size)
    if replay_order is not None:
        ranks.check_batch(replay_order.batch_size)
    objective = Objective(policy, config)
    model = objective if not ranks.distributed else DistributedDataParallel(
        objective, device_ids=[device.index] if device.type == "cuda" else None, static_graph=True)

    log = RunLog(run.tensorboard if ranks.main else None, progress, ranks.mean)
    progress.start(config.steps, state["step"])
    started, started_samples = time.perf_counter(), state["samples"]
    for step in range(state["step"], config.steps):
        torch.manual_seed(config.seed * 1_000_003 + step)  # dropout draws depend on the step: a resumed run matches
        lr = config.lr * warmup_cosine(step, config.steps, config.warmup_steps, config.min_lr_ratio)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = data.batch(ranks.rows(order.indices(step)))
        if replay_order is not None:
            batch = joined(batch, replay.batch(ranks.rows(replay_order.indices(step))))
        batch = _to(batch, device)

        losses = StepLosses(*model(batch))
        optimizer.zero_grad(set_to_none=True)
        losses.total.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(policy.parameters(), config.grad_clip)
        optimizer.step()

        state = {"step": step + 1, "samples": state["samples"] + len(batch.actions) * ranks.world}
        log.add(bc=losses.bc, con=losses.con, aux=losses.auxiliary, loss=losses.total, accuracy=losses.accuracy,
                grad_norm=grad_norm, **({"view": losses.view, "view_accuracy": losses.view_accuracy}
                                        if policy.view_head is not None else {}),
                **({"map": losses.map, "map_accuracy": losses.map_accuracy} if policy.grounded_map is not None else {}))
        if state["step"] % config.log_every == 0 or state["step"] == config.steps:
            rate = (state["samples"] - started_samples) / (time.perf_counter() - started)
            log.flush(state["step"], config.steps, state["samples"], lr, rate)
        progress.advance(1)
        if state["step"] % config.checkpoint_every == 0 or state["step"] == config.steps:
            if ranks.main:
                save_checkpoint(run, policy, optimizer, state)
            ranks.barrier()  # no rank runs ahead of (or returns before) the checkpoint it would resume from
    log.close()

    seconds = time.perf_counter() - started
    return TrainSummary(
        out=run.root,
        checkpoint=run.last.resolve(),
        steps=state["step"],
        samples=state["samples"] - started_samples,
        seconds=seconds,
        final_loss=log.last.get("loss", float("nan")),
        final_accuracy=log.last.get("accuracy", float("nan")),
    )


def _same(tensor: torch.Tensor) -> torch.Tensor:
    return tensor


@dataclass
class StepLosses:
    total: torch.Tensor
    """L = L_BC + λ·L_con + the head's auxiliary loss + view_weight·(L_view + L_map)."""
    bc: torch.Tensor
    con: torch.Tensor
    """L_con, zero (and not computed) when λ = 0."""
    auxiliary: torch.Tensor
    """The action head's own auxiliary loss (``auxiliary_loss``), zero for heads without one."""
    accuracy: torch.Tensor
    """Share of logged action classes (per dimension for Box and independent MultiDiscrete heads, the whole
    (pick, place) pair for the pick_place head) the head ranks first."""
    view: torch.Tensor
    """The view loss (``models.object_view``), zero for a policy without a view head; weighted by ``view_weight``."""
    view_accuracy: torch.Tensor
    """Share of rows with a view target whose column (or "out of view") the view head ranks first."""
    map: torch.Tensor
    """The grounded map's loss (``models.grounded_map``), zero for a policy without one; weighted by ``view_weight``."""
    map_accuracy: torch.Tensor
    """Share of rows with a view target whose column (or "out of view") the grounded map ranks first."""


class Objective(torch.nn.Module):
    """``step_losses`` as a module, so DistributedDataParallel can wrap it (it syncs the gradients of a module's
    forward); returns the ``StepLosses`` fields as a tuple."""

    def __init__(self, policy: VisionLanguagePolicy, config: TrainConfig) -> None:
        super().__init__()
        self.policy, self.config = policy, config

    def forward(self, batch: Batch) -> tuple[torch.Tensor, ...]:
        losses = step_losses(self.policy, batch, self.config, gather=gather_rows)
        return (losses.total, losses.bc, losses.con, losses.auxiliary, losses.accuracy, losses.view, losses.view_accuracy,
                losses.map, losses.map_accuracy)


def step_losses(
    policy: VisionLanguagePolicy, batch: Batch, config: TrainConfig, gather: Callable[[torch.Tensor], torch.Tensor] = _same,
) -> StepLosses:
    """The objective on one batch: L_BC and the multi-positive InfoNCE between h_c and h_a (over the rows ``gather``
    collects: the global batch under torchrun)."""
    instructions = policy.encode_instructions(batch.text_ids, batch.text_mask)
    out = policy(batch.rgb, batch.proprio, instructions, batch.text_index, batch.cells, batch.prior)
    bc = -policy.head.log_prob(out.logits, batch.actions).mean()
    head_loss = getattr(policy.head, "auxiliary_loss", None)
    auxiliary = head_loss(batch.actions) if head_loss is not None else torch.zeros((), device=bc.device)
    targets = policy.head.targets(batch.actions)
    con = torch.zeros((), device=bc.device)
    if config.contrastive_weight > 0:
        con = multi_positive_info_nce(
            gather(out.context), gather(policy.embed_actions(batch.actions)), same_action_pairs(gather(targets)),
            config.temperature,
        )
    accuracy = (out.logits.detach().argmax(-1).view_as(targets) == targets).float().mean()
    view = view_accuracy = map_loss = map_accuracy = torch.zeros((), device=bc.device)
    if policy.view_head is not None:
        # The targets carry the attribute and kind columns when the view head or the grounded map reads them.
        head_targets = batch.view if policy.config.view_parts or batch.view.dim() == 1 else batch.view[:, 0]
        view, view_accuracy = view_loss(policy.view_head(out.context), head_targets)
    if policy.grounded_map is not None:
        map_loss, map_accuracy = policy.grounded_map.loss(out.grounded, batch.view)
    total = bc + config.contrastive_weight * con + auxiliary + policy.config.view_weight * (view + map_loss)
    return StepLosses(total, bc, con, auxiliary, accuracy, view, view_accuracy, map_loss, map_accuracy)


class BatchOrder:
    """Row indices of batch ``s``: epoch ``s // batches_per_epoch`` of seeded permutations, drop-last."""

    def __init__(self, size: int, batch_size: int, seed: int) -> None:
        self.size, self.seed = size, seed
        self.batch_size = min(batch_size, size)
        self.per_epoch = size // self.batch_size
        self._epoch, self._permutation = -1, None

    def indices(self, step: int) -> torch.Tensor:
        epoch, offset = divmod(step, self.per_epoch)
        if epoch != self._epoch:
            generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._epoch, self._permutation = epoch, torch.randperm(self.size, generator=generator)
        return self._permutation[offset * self.batch_size : (offset + 1) * self.batch_size]


def _check_run_folder(run: TrainRunFolder, config: TrainConfig, resume: bool) -> None:
    if run.config.exists():
        if not resume:
            raise Sim2ActError(f"{run.root} already holds a training run: pass --resume to continue it, or pick another --out")
        saved = TrainConfig.from_dict(json.loads(run.config.read_text()))
        if replace(saved, steps=config.steps) != config:
            raise Sim2ActError(f"--resume: {run.root} was trained with another config (only --steps may change)")
    elif resume:
        raise Sim2ActError(f"--resume: no training run at {run.root}")


def _claim_run_folder(run: TrainRunFolder, config: TrainConfig) -> None:
    run.root.mkdir(parents=True, exist_ok=True)
    run.checkpoints.mkdir(exist_ok=True)
    atomic_write(run.config, lambda tmp: tmp.write_text(json.dumps(config.to_dict(), indent=2)))


def initial_policy(config: TrainConfig) -> VisionLanguagePolicy:
    """The policy a run starts from: ``init_policy``'s weights, or a fresh one built for the dataset."""
    if config.init_policy:
        return load_policy(resolve_policy_folder(config.init_policy))
    _, card = open_dataset(Path(config.data))
    spec, policy = domain_defaults(PolicySpec.from_card(card), config.policy)
    return build_policy(spec, policy)


def domain_defaults(spec: PolicySpec, config: PolicyConfig) -> tuple[PolicySpec, PolicyConfig]:
    """The spec with its domain's vocabulary, and the config with the domain's vision stem, patch size and
    action head wherever it leaves them open (``Domain.grammar``, ``Domain.vision``)."""
    domain = get_domain(spec.domain)
    vision = domain.vision(spec.env_options)
    spec = replace(spec, vocabulary=spec.vocabulary or domain.grammar.vocabulary)
    config = replace(
        config,
        vision_stem=config.vision_stem or vision.stem,
        patch_size=config.patch_size or vision.patch_size,
        action_head=config.action_head or vision.action_head,
        cell_pixels=config.cell_pixels if config.cell_pixels is not None else (vision.cell_pixels or None),
    )
    motions = domain.cell_motions(spec.env_options) if domain.cell_motions is not None else None
    if config.action_head == "cell_servo" and motions is not None:
        config = replace(
            config,
            cell_pixels=config.cell_pixels or motions.cell_pixels,
            cell_positions=config.cell_positions or motions.cell_positions or None,
        )
    return spec, config


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise Sim2ActError(f"unknown device {name!r}; use auto, cpu or cuda") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise Sim2ActError(f"--device {name}: no CUDA GPU on this machine")
    return device


def _to(batch: Batch, device: torch.device) -> Batch:
    if device.type == "cpu":
        return batch
    return Batch(**{k: None if v is None else v.to(device, non_blocking=True) for k, v in vars(batch).items()})
