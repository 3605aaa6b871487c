"""Where things live inside a release folder.

::

    RELEASE/
      README.md, release.json                  the corpus card; what was built, its counts, sizes and times
      loops/<domain>/                          the Sim2Act loop run that trained the domain's proposers
      <domain>-<level>/sim2act/                the level's sim2act dataset (with its own card)
      <domain>-<level>/lerobot/                the same as a LeRobot v3.0 dataset
      minari/sim2act/<domain>-<level>/...      the same as Minari datasets (MINARI_DATASETS_PATH=RELEASE/minari)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "release.json"


@dataclass(frozen=True)
class ReleaseFolder:
    """Where a release keeps its loops, levels, exports and records."""

    root: Path

    @property
    def state(self) -> Path:
        return self.root / STATE_FILE

    @property
    def minari(self) -> Path:
        """Minari's ``MINARI_DATASETS_PATH``: every level's Minari dataset under its id."""
        return self.root / "minari"

    def loop(self, domain: str) -> Path:
        return self.root / "loops" / domain

    def level(self, domain: str, level: str) -> Path:
        return self.root / f"{domain}-{level}"

    def dataset(self, domain: str, level: str) -> Path:
        return self.level(domain, level) / "sim2act"

    def export(self, domain: str, level: str, format: str) -> Path:
        return self.minari if format == "minari" else self.level(domain, level) / format
