"""``ReleaseConfig``: what ``sim2act release`` builds, readable from a TOML file.

A release config holds ``seed`` at the top level and one ``[[parts]]`` table per domain share (fields of
``ReleasePart``). Shipped configs live beside this module and are named without their suffix
(``sim2act release --config release``); a part's ``loop`` is a shipped loop config's name or a file, relative to the
release config's folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sim2act.envs import get_domain
from sim2act.errors import Sim2ActError
from sim2act.labels import LABELERS
from sim2act.loop.config import LoopConfig, load_loop_config
from sim2act.validation import check_positive, config_from_dict

SHIPPED_CONFIGS = Path(__file__).parent / "configs"


@dataclass(frozen=True)
class ReleasePart:
    """One domain's share of the corpus: a Sim2Act loop trains its proposers, then every level is rolled out with
    α·π_θ + (1 − α)·Uniform (the proposer of the loop's bootstrapping rounds) and labelled by the simulator."""

    domain: str
    """Simulator domain."""
    loop: str
    """Loop config (a shipped name or a file) whose run pretrains π0 and trains π_θ; its ``domain`` is ``domain``."""
    levels: list[str]
    """Levels rolled out with the loop's proposer (the loop's own level among them or not)."""
    episodes: int
    """Episodes rolled out per level (kept or not: labeling drops what achieved nothing)."""
    level_episodes: dict[str, int] = field(default_factory=dict)
    """Episodes of particular levels, over ``episodes``."""
    alpha: float | None = None
    """Weight of π_θ in the proposer mixture, the rest uniform; None: the loop's ``alpha``."""
    labels: str = "both"
    """Self-supervised labels: success, hindsight or both (``none`` keeps every rollout unlabelled)."""
    erase_loops: bool | None = None
    """Cut detours out of kept episodes; None: the loop's ``erase_loops`` (only where the domain has exact state keys)."""
    num_envs: int = 16
    """Envs stepped together in one process."""
    shard_episodes: int = 500
    """Episodes per Parquet shard: a killed release loses at most the shard in flight."""
    loop_overrides: dict[str, Any] = field(default_factory=dict)
    """``LoopConfig`` fields set over the loop config's (e.g. ``co_levels`` so π_θ learns every level's words)."""

    def episodes_of(self, level: str) -> int:
        """Episodes rolled out on ``level``."""
        return self.level_episodes.get(level, self.episodes)


@dataclass(frozen=True)
class ReleaseConfig:
    """The released corpus: every part's loop, levels, labels and exports."""

    parts: list[ReleasePart]
    """Domain shares, built in order."""
    seed: int = 0
    """Seed of every level's task sampling and proposer."""
    formats: list[str] = field(default_factory=lambda: ["lerobot", "minari"])
    """Export formats written beside each level's sim2act dataset."""
    base: str = "."
    """Folder that relative loop config paths are read from (the release config's folder)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: Path = Path(".")) -> ReleaseConfig:
        data = dict(data)
        parts = data.pop("parts", None)
        if not isinstance(parts, list) or not parts:
            raise Sim2ActError("a release config needs at least one [[parts]] table")
        data["parts"] = [config_from_dict(ReleasePart, dict(part)) for part in parts]
        return config_from_dict(cls, {**data, "base": str(base)})

    def loop_config(self, part: ReleasePart) -> LoopConfig:
        """The loop config of ``part``, with its overrides."""
        local = Path(self.base) / part.loop
        config = load_loop_config(local if local.is_file() else part.loop)
        if not part.loop_overrides:
            return config
        try:
            return LoopConfig.from_dict({**asdict(config), **part.loop_overrides}).validated()
        except (TypeError, Sim2ActError) as error:
            raise Sim2ActError(f"parts.loop_overrides of {part.domain}: {error}") from None

    def validated(self) -> ReleaseConfig:
        """Check every part and canonicalise its names; bad input is a one-line ``Sim2ActError``."""
        from sim2act.data.export import EXPORTERS

        unknown = sorted(set(self.formats) - set(EXPORTERS))
        if unknown:
            raise Sim2ActError(f"formats: unknown {', '.join(unknown)}; known: {', '.join(sorted(EXPORTERS))}")
        parts = []
        for part in self.parts:
            check_positive(part, ("episodes", "num_envs", "shard_episodes"))
            if part.labels not in LABELERS:
                raise Sim2ActError(f"parts.labels of {part.domain}: {part.labels!r}; known: {', '.join(LABELERS)}")
            domain = get_domain(part.domain)
            loop = self.loop_config(part)
            if get_domain(loop.domain).name != domain.name:
                raise Sim2ActError(f"parts.loop {part.loop!r} runs domain {loop.domain!r}, not {part.domain!r}")
            if not part.levels:
                raise Sim2ActError(f"parts.levels of {part.domain}: name at least one level")
            levels = [domain.resolve_level(level) for level in part.levels]
            if len(set(levels)) != len(levels):
                raise Sim2ActError(f"parts.levels of {part.domain}: a level is named twice")
            if part.alpha is not None and not 0.0 <= part.alpha <= 1.0:
                raise Sim2ActError(f"parts.alpha of {part.domain} must lie in [0, 1], got {part.alpha}")
            named = {domain.resolve_level(level): n for level, n in part.level_episodes.items()}
            stray = sorted(set(named) - set(levels))
            if stray:
                raise Sim2ActError(f"parts.level_episodes of {part.domain}: {', '.join(stray)} not in its levels")
            if any(not isinstance(n, int) or n < 1 for n in named.values()):
                raise Sim2ActError(f"parts.level_episodes of {part.domain}: episodes must be integers >= 1")
            parts.append(replace(part, domain=domain.name, levels=levels, level_episodes=named))
        names = [part.domain for part in parts]
        if len(set(names)) != len(names):
            raise Sim2ActError("each domain may have one part: merge its levels into one [[parts]] table")
        return replace(self, parts=parts)

    def to_json(self) -> dict[str, Any]:
        """What identifies the release on disk (``base`` is where the config was read from, not what it builds)."""
        return {key: value for key, value in asdict(self).items() if key != "base"}


def load_release_config(source: str | Path) -> ReleaseConfig:
    """A release config from a TOML file, or a shipped config's name (``release``, ``release-small``)."""
    path = Path(source)
    if not path.is_file() and (SHIPPED_CONFIGS / f"{source}.toml").exists():
        path = SHIPPED_CONFIGS / f"{source}.toml"
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in SHIPPED_CONFIGS.glob("*.toml")))
        raise Sim2ActError(f"--config {source}: no such file (shipped release configs: {shipped})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise Sim2ActError(f"--config {path}: not valid TOML: {error}") from None
    try:
        return ReleaseConfig.from_dict(data, base=path.parent).validated()
    except TypeError as error:
        raise Sim2ActError(f"--config {path}: {error}") from None
