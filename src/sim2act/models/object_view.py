"""The view loss: from the fused context h_c, say where the instruction's object is in the camera's frame.

A policy that walks to whatever object it sees (the 3D-navigation failure: the named one is out of view and it
goes to another) has not grounded the instruction in the frame. The simulator knows where every named object is
in view (``Domain.object_views``: a column of the frame, or out of view), so a training row whose instruction names
its object gets a classification target: that object's column, or 0 when it is not in view. The head is a linear
read-out of h_c, trained beside behaviour cloning (weight ``view_weight``) and never used to act; the annotation
is a label, like the verifier's, and never reaches the policy as an input.

With ``view_parts`` the head also says, column by column, where anything of the named attribute ("red") and
anything of the named kind ("ball") is seen: each word grounded on its own, so that an unseen composition
("red ball", never in a training instruction) is where the two meet. Held-out pairs are never a query.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sim2act.envs.registry import get_domain
from sim2act.errors import Sim2ActError

NO_TARGET = -1
"""A row whose instruction does not say which object it is about: the view loss skips it."""


class ViewHead(nn.Module):
    """Read-outs of h_c: the named object's column (or out of view), and with ``parts`` the columns where its
    attribute and its kind are seen (2 × bins independent yes/no)."""

    def __init__(self, d_model: int, bins: int, parts: bool) -> None:
        super().__init__()
        self.object = nn.Linear(d_model, bins + 1)
        self.parts = nn.Linear(d_model, 2 * bins) if parts else None

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        """(B, bins + 1) logits, followed by (B, 2 × bins) with ``parts``."""
        out = self.object(context)
        return out if self.parts is None else torch.cat([out, self.parts(context)], -1)


def view_head(domain: str, d_model: int, view_weight: float, parts: bool = False) -> ViewHead | None:
    """The view head of a policy for ``domain``; None when ``view_weight`` is 0."""
    if view_weight <= 0:
        return None
    views = get_domain(domain).object_views
    if views is None:
        raise Sim2ActError(f"view_weight needs a domain whose envs annotate where objects are in view; {domain} does not")
    return ViewHead(d_model, views.bins, parts)


def view_targets(
    domain: str, instructions: list[str], instruction_ids: np.ndarray, object_view: np.ndarray, parts: bool = False,
) -> torch.Tensor:
    """Each row's targets from the dataset's ``object_view`` column (N, slots): (N,) the column the instruction's
    object is seen in, 0 out of view, or ``NO_TARGET``; with ``parts`` (N, 1 + 2 × bins): that, then whether
    anything of its attribute, and anything of its kind, is seen in each column (``NO_TARGET`` rows all -1)."""
    views = get_domain(domain).object_views
    slot = np.array([views.slots.index(t) if (t := views.target(text)) in views.slots else NO_TARGET
                     for text in instructions], np.int64)[instruction_ids]
    seen = np.take_along_axis(object_view, np.maximum(slot, 0)[:, None], axis=1)[:, 0].astype(np.int64)
    target = np.where(slot >= 0, seen, NO_TARGET)
    if not parts:
        return torch.from_numpy(target)
    seen_in = object_view[:, :, None] == np.arange(1, views.bins + 1)  # (N, slots, bins): slot s is seen in column c
    out = [target[:, None]]
    for part in (0, 1):  # the attribute, then the kind
        named = np.array([p[part] for p in views.parts])
        sharing = named[None, :] == named[np.maximum(slot, 0)][:, None]  # (N, slots): slots sharing the row's word
        out.append((seen_in & sharing[:, :, None]).any(1))
    stacked = np.concatenate([o.astype(np.int64) for o in out], 1)
    stacked[slot < 0] = NO_TARGET
    return torch.from_numpy(stacked)


def view_loss(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy of the object's column over the rows with a target (plus, with parts, the mean binary
    cross-entropy of the attribute and kind columns), and the share of object columns ranked first."""
    object_target = targets if targets.dim() == 1 else targets[:, 0]
    rows = object_target != NO_TARGET
    if not bool(rows.any()):
        zero = logits.sum() * 0.0
        return zero, zero.detach()
    classes = logits.shape[1] if targets.dim() == 1 else logits.shape[1] - (targets.shape[1] - 1)
    picked, wanted = logits[rows, :classes], object_target[rows]
    accuracy = (picked.detach().argmax(-1) == wanted).float().mean()
    loss = nn.functional.cross_entropy(picked, wanted)
    if targets.dim() > 1:
        loss = loss + nn.functional.binary_cross_entropy_with_logits(logits[rows, classes:], targets[rows, 1:].float())
    return loss, accuracy
