"""Proposers: the exploratory policies that choose the actions logged into datasets.

``make_proposer(name, action_space, alpha, **options)`` builds a registered proposer; ``alpha < 1``
wraps it in ``mixture(name, alpha)`` = alpha * proposer + (1 - alpha) * Uniform. Keyword options
(e.g. ``prior=`` and ``prior_temperature=`` of the ``prior`` proposer) go to the proposer's factory.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import gymnasium as gym

from sim2act.errors import Sim2ActError
from sim2act.proposers.base import Proposal, Proposer
from sim2act.proposers.mixture import MixtureProposer
from sim2act.proposers.uniform import UniformProposer
from sim2act.validation import suggest

PROPOSERS: dict[str, Callable[..., Proposer]] = {}


def register_proposer(name: str, factory: Callable[..., Proposer]) -> None:
    """Make ``--proposer name`` build ``factory(action_space, **options)``."""
    PROPOSERS[name] = factory


def make_proposer(
    name: str, action_space: gym.Space, alpha: float = 1.0, domain: str | None = None,
    env_options: dict[str, Any] | None = None, **options: Any,
) -> Proposer:
    """The proposer ``name``, mixed with uniform actions when ``alpha < 1``.

    ``domain`` and ``env_options`` (the envs' build options) go to the proposers that read their domain's
    description (``expert``, ``prior``); ``options`` set to None are left out; one the proposer does not take
    is a one-line error.
    """
    if name not in PROPOSERS:
        raise Sim2ActError(f"unknown proposer {name!r}{suggest(name, PROPOSERS)}; known: {', '.join(sorted(PROPOSERS))}")
    if not 0.0 <= alpha <= 1.0:
        raise Sim2ActError(f"--alpha must lie in [0, 1], got {alpha}")
    factory = PROPOSERS[name]
    options = {key: value for key, value in options.items() if value is not None}
    if domain is not None and "domain" in inspect.signature(factory).parameters:
        options["domain"] = domain
        if "env_options" in inspect.signature(factory).parameters:
            options["env_options"] = dict(env_options or {})
    try:
        inspect.signature(factory).bind(action_space, **options)
    except TypeError:
        given = ", ".join("--" + key.replace("_", "-") for key in options)
        raise Sim2ActError(f"proposer {name!r} takes no option {given}") from None
    proposer = factory(action_space, **options)
    return proposer if alpha == 1.0 else MixtureProposer(proposer, alpha)


PRIOR_MODES = ("preview", "cells", "cells+preview")
"""How π0 proposes: ``preview`` scores the outcome of every action (sampled candidates where there are too many);
``cells`` scores the image's cells against the instruction's phrases (``proposers.cell_prior``; in a continuous
mode whose domain gives ``cell_motions``, then moves to the chosen cells: ``proposers.cell_motion``);
``cells+preview`` previews the actions the cell scores rank highest."""


def check_prior_options(mode: str, candidates: int | None, horizon: int, flags: bool = True) -> None:
    """One-line ``Sim2ActError`` for a bad prior mode, candidate count or chunk horizon (``--prior-…`` flags, or
    config fields when ``flags`` is False)."""
    name = (lambda field: "--" + field.replace("_", "-")) if flags else (lambda field: field)
    if mode not in PRIOR_MODES:
        raise Sim2ActError(f"{name('prior_mode')} must be one of {', '.join(PRIOR_MODES)}, got {mode!r}")
    if candidates is not None and candidates < 1:
        raise Sim2ActError(f"{name('prior_candidates')} must be >= 1, got {candidates}")
    if horizon < 1 or (horizon > 1 and mode != "preview"):
        raise Sim2ActError(f"{name('prior_horizon')} must be >= 1, and > 1 only in prior mode 'preview'; got {horizon}")


def _prior_proposer(
    action_space: gym.Space, prior: str | None = None, prior_temperature: float | None = None,
    reuse_previews: bool = False, prior_mode: str = "preview", prior_candidates: int | None = None,
    prior_horizon: int = 1, domain: str | None = None, env_options: dict[str, Any] | None = None,
) -> Proposer:
    if prior is None:
        raise Sim2ActError(
            "the 'prior' proposer needs --prior PATH (a `sim2act pretrain-prior` folder or a local CLIP folder)"
        )
    check_prior_options(prior_mode, prior_candidates, prior_horizon)
    from sim2act import features as F
    from sim2act.envs import get_domain
    from sim2act.proposers.prior import PriorProposer  # imports torch and transformers

    described = get_domain(domain) if domain else None
    camera = described.sensors(env_options or {}).cameras[0] if described else F.RGB
    if prior_mode == "preview":
        candidates = {} if prior_candidates is None else {"candidates": prior_candidates}
        return PriorProposer(action_space, prior, temperature=prior_temperature, camera=camera,
                             reuse_previews=reuse_previews, horizon=prior_horizon, **candidates)
    from sim2act.proposers.cell_prior import CellPriorProposer

    phrases = described.grammar.action_phrases if described else None
    subgoals = described.grammar.subgoals if described else None
    motions = described.cell_motions(env_options or {}) if described and described.cell_motions else None
    if motions is not None and phrases is not None and prior_mode == "cells":
        from gymnasium import spaces

        from sim2act.proposers.cell_motion import CellMotionProposer
        from sim2act.proposers.cell_prior import CellPriorProposer

        cells = spaces.MultiDiscrete([len(motions.cell_pixels)] * 2)
        scorer = CellPriorProposer(cells, prior, motions.cell_pixels, phrases, temperature=prior_temperature, camera=camera,
                                   subgoals=subgoals)
        return CellMotionProposer(action_space, scorer, motions.start)
    cell_pixels = described.vision(env_options or {}).cell_pixels if described else ()
    if not cell_pixels or phrases is None:
        raise Sim2ActError(
            f"prior mode {prior_mode!r} needs a domain whose actions name cells in the image and whose grammar "
            f"reads phrases off instructions (VisionDefaults.cell_pixels, Grammar.action_phrases); {domain!r} has not"
        )
    candidates = 0 if prior_mode == "cells" else (prior_candidates or DEFAULT_CELL_CANDIDATES)
    return CellPriorProposer(action_space, prior, cell_pixels, phrases, temperature=prior_temperature,
                             candidates=candidates, camera=camera, subgoals=subgoals)


DEFAULT_CELL_CANDIDATES = 8
"""Actions ``cells+preview`` previews per step unless told otherwise."""


def _policy_proposer(action_space: gym.Space, policy: str | None = None, policy_temperature: float = 1.0) -> Proposer:
    if policy is None:
        raise Sim2ActError("the 'policy' proposer needs --policy PATH (a policy checkpoint or training run)")
    from sim2act.models import load_policy  # imports torch
    from sim2act.proposers.policy import PolicyProposer
    from sim2act.training.checkpoints import resolve_policy_folder

    proposer = PolicyProposer(load_policy(resolve_policy_folder(policy)), temperature=policy_temperature)
    if proposer.action_space != action_space:
        raise Sim2ActError(f"policy {policy} acts in {proposer.action_space}, the env in {action_space}")
    return proposer


register_proposer("uniform", UniformProposer)


def _expert_proposer(action_space: gym.Space, domain: str | None = None) -> Proposer:
    if domain is None:
        raise Sim2ActError("the 'expert' proposer needs the domain whose scripted expert it runs")
    from sim2act.proposers.expert import ExpertProposer

    return ExpertProposer(action_space, domain)


register_proposer("expert", _expert_proposer)
register_proposer("prior", _prior_proposer)
register_proposer("policy", _policy_proposer)

__all__ = ["PRIOR_MODES", "PROPOSERS", "MixtureProposer", "Proposal", "Proposer", "check_prior_options", "make_proposer", "register_proposer"]
