"""The domain registry behind ``sim2act.envs.make``: each domain registers how to build its envs."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym

from sim2act.envs.domain import Domain
from sim2act.errors import Sim2ActError
from sim2act.validation import suggest

_DOMAINS: dict[str, Domain] = {}


def register_domain(domain: Domain) -> None:
    """Add a domain and register its named levels with Gymnasium as ``sim2act/<domain>-<level>-v0``."""
    _DOMAINS[domain.name] = domain
    for level in domain.levels.named:
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
    return [(d.name, level) for d in domains() for level in d.levels.named]


def check_env_options(domain: str, level: str | None, options: Mapping[str, Any]) -> None:
    """Refuse env ``options`` the domain's envs do not take (one line naming them), building nothing."""
    spec = get_domain(domain)
    parameters = inspect.signature(spec.build).parameters
    try:
        inspect.signature(spec.build).bind(spec.resolve_level(level), **options)
    except TypeError:
        unknown = [name for name in options if name not in parameters or name == "level"] or sorted(options)
        known = [name for name in parameters if name != "level"]
        raise Sim2ActError(
            f"domain {domain!r} takes no env option {', '.join(unknown)}; it takes: {', '.join(known) or 'none'}"
        ) from None


def make(domain: str, level: str | None = None, **options) -> gym.Env:
    """Build the env for ``level`` (default: the domain's) with env ``options`` (see each domain's env docstring).

    An option the domain's envs do not take is a one-line ``Sim2ActError`` naming it.
    """
    spec = get_domain(domain)
    level = spec.resolve_level(level)
    check_env_options(domain, level, options)
    return spec.build(level, **options)


def action_space(domain: str, level: str | None = None, **options) -> gym.Space:
    """The action space of ``make(domain, level, **options)``'s envs (one is built to ask, then closed)."""
    env = make(domain, level, **options)
    try:
        return env.action_space
    finally:
        env.close()
