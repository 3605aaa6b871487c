"""Where things live inside a dataset folder.

::

    DATASET/
      README.md                           Hugging Face card (``data.hub_card``), written when a generation completes
      meta/info.json                      dataset card (schema, counts, generating configs)
      meta/contact_sheet.png              sample frames with their instructions, shown on the card
      meta/episodes/shard-00000.parquet   one row per episode; its presence commits the shard
      data/shard-00000.parquet            one row per step
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_SHARD = re.compile(r"^shard-(\d{5,})\.parquet$")


@dataclass(frozen=True)
class DatasetLayout:
    root: Path

    @property
    def card(self) -> Path:
        return self.root / "meta" / "info.json"

    @property
    def steps_dir(self) -> Path:
        return self.root / "data"

    @property
    def episodes_dir(self) -> Path:
        return self.root / "meta" / "episodes"

    def steps_shard(self, index: int) -> Path:
        return self.steps_dir / f"shard-{index:05d}.parquet"

    def episodes_shard(self, index: int) -> Path:
        return self.episodes_dir / f"shard-{index:05d}.parquet"

    def committed_shards(self) -> list[int]:
        """Indices of shards whose step file and episode file are both on disk."""
        if not self.episodes_dir.is_dir():
            return []
        indices = sorted(int(m.group(1)) for p in self.episodes_dir.iterdir() if (m := _SHARD.match(p.name)))
        return [i for i in indices if self.steps_shard(i).exists()]

    def steps_files(self) -> list[Path]:
        return [self.steps_shard(i) for i in self.committed_shards()]

    def episodes_files(self) -> list[Path]:
        return [self.episodes_shard(i) for i in self.committed_shards()]
