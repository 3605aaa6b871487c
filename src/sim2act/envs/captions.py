"""Simulator captions: phrases in a domain's task grammar about the current state, read off ground truth.

A domain's ``captions(env)`` hook (see ``Domain.captions``) lists, for the env's current state,
every instruction of its grammar that is about something in the scene, each with how many actions
it is from being true. The vision-language prior (``sim2act.priors``) is pretrained on frames
paired with these phrases, so at proposal time the task's own instruction is in-distribution for
its text tower.

A domain whose actions name places in the image (``pick_place`` cells) also lists ``Region`` captions
(``Domain.regions``): each named thing's noun phrase and where it appears in the first camera, and the
places where nothing named is (phrase ``""``). The prior learns to score each patch of a frame against a
noun phrase from them, so it can say which cells the instruction's phrases are at (CLIPort's semantic
affordance, ``sim2act.proposers.cell_prior``).
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


@dataclass(frozen=True)
class Region:
    """A noun phrase of the task grammar and where its subject appears in the domain's first camera."""

    text: str
    """The phrase (``"the red block"``, ``"to the left of the green bowl"``); ``""`` where nothing named is."""
    x: float
    """Horizontal position as a fraction of the image's width (0: left edge, 1: right edge)."""
    y: float
    """Vertical position as a fraction of the image's height (0: top edge)."""
