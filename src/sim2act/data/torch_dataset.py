"""A PyTorch ``Dataset`` over a sim2act dataset's steps.

Small datasets are decoded into RAM once; larger ones are converted once to an uncompressed Arrow
IPC file beside the shards and memory-mapped, so images are read zero-copy from the page cache.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import torch
from torch.utils.data import Dataset

from sim2act import features as F
from sim2act.data.atomic import atomic_write
from sim2act.data.reader import feature_array, load_steps, open_dataset

ARRAY_COLUMNS = (F.RGB, F.DEPTH, F.PROPRIO, F.ACTION, F.REWARD, F.EPISODE_ID, F.STEP, F.SUCCESS, F.OBJECT_VIEW)
IN_MEMORY_LIMIT_BYTES = 4 << 30


class StepDataset(Dataset):
    """Rows of (observation, instruction, action); ``arrays`` gives whole columns for fast batching.

    ``instruction_ids`` index into ``instructions`` (the dataset's distinct instruction strings).
    """

    def __init__(self, root: str | Path, in_memory: bool | None = None) -> None:
        self.root = Path(root)
        layout, self.card = open_dataset(self.root)
        raw_bytes = self.card.counts["steps"] * sum(
            int(np.prod(f["shape"] or [1])) * (np.dtype(f["dtype"]).itemsize if f["dtype"] != "str" else 0)
            for f in self.card.features.values()
        )
        in_memory = raw_bytes <= IN_MEMORY_LIMIT_BYTES if in_memory is None else in_memory
        table = load_steps(self.root) if in_memory else _memory_mapped(self.root, layout.root / "cache" / f"steps-{self.card.counts['steps']}.arrow")
        self.arrays: dict[str, np.ndarray] = {}
        sensors = self.card.sensors
        observed = [*sensors["cameras"], *sensors.get("depth", ()), *([sensors["proprio"]] if sensors.get("proprio") else [])]
        for name in dict.fromkeys([*ARRAY_COLUMNS, *observed]):
            if name in self.card.features:
                spec = self.card.features[name]
                self.arrays[name] = feature_array(table.column(name), spec["dtype"], tuple(spec["shape"]))
        instructions = table.column(F.INSTRUCTION).combine_chunks().dictionary_encode()
        self.instructions: list[str] = instructions.dictionary.to_pylist()
        self.instruction_ids = instructions.indices.to_numpy(zero_copy_only=False).astype(np.int64)

    def __len__(self) -> int:
        return len(self.instruction_ids)

    def __getitem__(self, index: int) -> dict:
        item = {name: torch.as_tensor(np.array(values[index])) for name, values in self.arrays.items()}
        item[F.INSTRUCTION] = self.instructions[self.instruction_ids[index]]
        return item


def _memory_mapped(root: Path, cache: Path) -> pa.Table:
    if not cache.exists():
        table = load_steps(root)

        def write(tmp: Path) -> None:
            with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as ipc:
                ipc.write_table(table)

        atomic_write(cache, write)
    return pa.ipc.open_file(pa.memory_map(str(cache), "r")).read_all()
