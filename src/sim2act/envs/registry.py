"""The domain registry behind ``sim2act.envs.make``: each domain registers how to build its envs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import gymnasium as gym

from sim2act.envs.captions import Caption
from sim2act.errors import Sim2ActError
from sim2act.validation import suggest


@dataclass(frozen=True)
class Domain:
    """A simulator family and what the rest of sim2act needs to know about it."""

    name: str
    """Short name used on the command line (``grid``, ``tabletop``, ...)."""
    summary: str
    """One line for ``sim2act envs``."""
    build: Callable[..., gym.Env]
    """``build(level, **kwargs)`` returns an env that follows the sim2act observation API."""
    named_levels: tuple[str, ...]
    """Levels that are tested and listed; a domain may accept more (see ``resolve_level``)."""
    resolve_level: Callable[[str], str]
    """Maps a user-given level name to its canonical name, or raises ``Sim2ActError``."""
    compositions: Callable[[str], frozenset[tuple[str, str]]]
    """The (attribute, object) pairs an instruction mentions, e.g. ``{("red", "ball")}``."""
    vocabulary: tuple[str, ...] = ()
    """Every word of the domain's task grammar (the word-level tokenizer is built from it)."""
    instruction_type: Callable[[str], str] = lambda instruction: "instruction"
    """The grammatical form of an instruction ("go to", "sequence", ...), for per-type breakdowns."""
    captions: Callable[[gym.Env], Sequence[Caption]] | None = None
    """``captions(env)``: instructions of the grammar about the env's current state, each with how many
    actions it is from true (see ``sim2act.envs.captions``); None when the domain has no captioner."""


_DOMAINS: dict[str, Domain] = {}


def register_domain(domain: Domain) -> None:
    """Add a domain and register its named levels with Gymnasium as ``sim2act/<domain>-<level>-v0``."""
    _DOMAINS[domain.name] = domain
    for level in domain.named_levels:
        env_id = gym_id(domain.name, level)
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=_entry_point(domain, level))


def _entry_point(domain: Domain, level: str) -> Callable[..., gym.Env]:
    return lambda **kwargs: domain.build(level, **kwargs)


def gym_id(domain: str, level: str) -> str:
    """The Gymnasium id under which a named level is registered."""
    return f"sim2act/{domain}-{level}-v0"


def get_domain(name: str) -> Domain:
    """The registered domain called ``name``; an unknown name is a one-line ``Sim2ActError``."""
    if name not in _DOMAINS:
        raise Sim2ActError(f"unknown domain {name!r}{suggest(name, _DOMAINS)}; known: {', '.join(sorted(_DOMAINS))}")
    return _DOMAINS[name]


def domains() -> list[Domain]:
    """All registered domains, by name."""
    return [_DOMAINS[name] for name in sorted(_DOMAINS)]


def registered_envs() -> list[tuple[str, str]]:
    """Every (domain, named level) pair: what the registry-wide ``check_env`` test covers."""
    return [(d.name, level) for d in domains() for level in d.named_levels]


def make(domain: str, level: str, **kwargs) -> gym.Env:
    """Build the env for ``level`` of ``domain``; see each domain's env docstring for ``kwargs``."""
    spec = get_domain(domain)
    return spec.build(spec.resolve_level(level), **kwargs)
