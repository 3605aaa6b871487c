"""Simulator captions: phrases in a domain's task grammar about the current state, read off ground truth.

A domain's ``captions(env)`` hook (see ``Domain.captions``) lists, for the env's current state,
every instruction of its grammar that is about something in the scene, each with how many actions
it is from being true. The vision-language prior (``sim2act.priors``) is pretrained on frames
paired with these phrases, so at proposal time the task's own instruction is in-distribution for
its text tower.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caption:
    """One instruction of the task grammar about the current state."""

    text: str
    """The instruction, e.g. ``"go to the red ball"``."""
    steps: int | None
    """Actions needed to make ``text`` true along a shortest obstacle-free path: 0 when it is true
    now; None when its subject is not in view (the frame cannot tell)."""
    mention: str
    """The subject's noun phrase (``"the red ball"``) when the subject is in view, else ``""``."""
