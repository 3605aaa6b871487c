from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader

from sim2act import features as F
from sim2act.data.reader import load_steps
from sim2act.data.torch_dataset import StepDataset


def test_torch_dataset_in_ram_and_memory_mapped_agree(make_dataset):
    root = make_dataset()
    ram, mapped = StepDataset(root, in_memory=True), StepDataset(root, in_memory=False)
    assert len(ram) == len(mapped) == load_steps(root).num_rows
    for name in ram.arrays:
        np.testing.assert_array_equal(ram.arrays[name], mapped.arrays[name])
    assert ram.arrays[F.RGB].shape[1:] == (56, 56, 3) and ram.arrays[F.RGB].dtype == np.uint8
    batch = next(iter(DataLoader(ram, batch_size=8)))
    assert batch[F.RGB].shape == (8, 56, 56, 3) and batch[F.RGB].dtype == torch.uint8
    assert batch[F.PROPRIO].shape == (8, 13) and batch[F.ACTION].dtype == torch.int64
    assert len(batch[F.INSTRUCTION]) == 8 and batch[F.INSTRUCTION][0].startswith("go to")
    assert ram.arrays[F.RGB].max() > 0


def test_hugging_face_datasets_loads_the_shards(make_dataset):
    import datasets

    root = make_dataset()
    ds = datasets.load_dataset("parquet", data_files=str(root / "data" / "*.parquet"), split="train")
    ours = StepDataset(root)
    assert len(ds) == len(ours)
    row = ds[5]
    frame = np.frombuffer(row[F.RGB], np.uint8).reshape(56, 56, 3)
    np.testing.assert_array_equal(frame, ours.arrays[F.RGB][5])
    assert row[F.INSTRUCTION] == ours[5][F.INSTRUCTION] and row[F.ACTION] == int(ours.arrays[F.ACTION][5])


def test_pandas_reads_steps_and_episodes(make_dataset):
    root = make_dataset()
    steps = pd.read_parquet(root / "data")
    episodes = pd.read_parquet(root / "meta" / "episodes")
    assert len(episodes) == 12 and steps.groupby(F.EPISODE_ID).size().sum() == len(steps)
    assert (steps.groupby(F.EPISODE_ID).size().sort_index().values == episodes.sort_values(F.EPISODE_ID)["length"].values).all()
