"""A contact sheet: sample frames of a dataset, each captioned with its instruction."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image, ImageDraw, ImageFont

from sim2act import features as F
from sim2act.data.reader import feature_array, load_steps, open_dataset
from sim2act.data.shards import read_parquet

SCALE = 3
CAPTION_LINES = 3
LINE_HEIGHT = 12
PAD = 6


def contact_sheet(root: Path, out: Path, samples: int = 16, columns: int = 4, seed: int = 0) -> Path:
    """Write a PNG of ``samples`` random frames (every camera, side by side) with their instructions; return its path."""
    layout, card = open_dataset(root)
    steps = load_steps(root, columns=[F.INSTRUCTION, F.STEP, F.SUCCESS])
    rng = np.random.default_rng(seed)
    picks = np.sort(rng.choice(steps.num_rows, size=min(samples, steps.num_rows), replace=False))
    cameras = card.sensors["cameras"]
    frames = np.concatenate([_frames_at(layout.steps_files(), picks, key, card.features[key]) for key in cameras], axis=2)
    captions = [
        f"{steps.column(F.INSTRUCTION)[int(i)].as_py()} (t={steps.column(F.STEP)[int(i)].as_py()}"
        f"{', success' if steps.column(F.SUCCESS)[int(i)].as_py() else ''})"
        for i in picks
    ]
    height, width = frames.shape[1] * SCALE, frames.shape[2] * SCALE
    cell_h = height + CAPTION_LINES * LINE_HEIGHT + 2 * PAD
    cell_w = max(width, 168) + 2 * PAD
    rows = -(-len(frames) // columns)
    sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    chars_per_line = max(12, (cell_w - 2 * PAD) // 6)
    for k, (frame, caption) in enumerate(zip(frames, captions)):
        x, y = (k % columns) * cell_w + PAD, (k // columns) * cell_h + PAD
        sheet.paste(Image.fromarray(frame).resize((width, height), Image.NEAREST), (x, y))
        for line_no, line in enumerate(textwrap.wrap(caption, chars_per_line)[:CAPTION_LINES]):
            draw.text((x, y + height + 2 + line_no * LINE_HEIGHT), line, fill="black", font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out


def _frames_at(files: list[Path], rows: np.ndarray, key: str, spec: dict) -> np.ndarray:
    """Decode only the picked rows' frames of camera ``key``, shard by shard."""
    frames, offset = [], 0
    for path in files:
        length = pq.ParquetFile(path).metadata.num_rows
        local = rows[(rows >= offset) & (rows < offset + length)] - offset
        if len(local):  # a shard without a picked row is not decoded
            column = read_parquet(path, columns=[key]).column(key)
            taken = pa.chunked_array(column.chunks).take(pa.array(local))
            frames.append(feature_array(taken, spec["dtype"], tuple(spec["shape"])))
        offset += length
    return np.concatenate(frames)
