"""The view loss: from the fused context h_c, say where the instruction's object is in the camera's frame.

A policy that walks to whatever object it sees (the 3D-navigation failure: the named one is out of view and it
goes to another) has not grounded the instruction in the frame. The simulator knows where every named object is
in view (``Domain.object_views``: a column of the frame, or out of view), so a training row whose instruction names
its object gets a classification target: that object's column, or 0 when it is not in view. The head is a linear
read-out of h_c, trained beside behaviour cloning (weight ``view_weight``) and never used to act; the annotation
is a label, like the verifier's, and never reaches the policy as an input.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sim2act.envs.registry import get_domain
from sim2act.errors import Sim2ActError

NO_TARGET = -1
"""A row whose instruction does not say which object it is about: the view loss skips it."""


def view_head(domain: str, d_model: int, view_weight: float) -> nn.Linear | None:
    """The read-out of h_c into "not in view" plus the domain's columns; None when ``view_weight`` is 0."""
    if view_weight <= 0:
        return None
    views = get_domain(domain).object_views
    if views is None:
        raise Sim2ActError(f"view_weight needs a domain whose envs annotate where objects are in view; {domain} does not")
    return nn.Linear(d_model, views.bins + 1)


def view_targets(domain: str, instructions: list[str], instruction_ids: np.ndarray, object_view: np.ndarray) -> torch.Tensor:
    """Each row's target (N,): the column of the frame its instruction's object is seen in, 0 out of view, or
    ``NO_TARGET``; ``object_view`` (N, slots) is the dataset's ``object_view`` column."""
    views = get_domain(domain).object_views
    slot = np.array([views.slots.index(t) if (t := views.target(text)) in views.slots else NO_TARGET
                     for text in instructions], np.int64)[instruction_ids]
    seen = np.take_along_axis(object_view, np.maximum(slot, 0)[:, None], axis=1)[:, 0].astype(np.int64)
    return torch.from_numpy(np.where(slot >= 0, seen, NO_TARGET))


def view_loss(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy over the rows with a target, and the share of them ranked first (zeros when none has one)."""
    rows = targets != NO_TARGET
    if not bool(rows.any()):
        zero = logits.sum() * 0.0
        return zero, zero.detach()
    picked, wanted = logits[rows], targets[rows]
    accuracy = (picked.detach().argmax(-1) == wanted).float().mean()
    return nn.functional.cross_entropy(picked, wanted), accuracy
