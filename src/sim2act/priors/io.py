"""A prior on disk: an ordinary Hugging Face CLIP folder plus ``prior.json``.

``save_pretrained`` writes the model (``config.json``, ``model.safetensors``) and the tokenizer;
``preprocessor_config.json`` holds the pixel statistics the model was trained with, and
``prior.json`` (written last, so a folder with it is complete) the ``PriorConfig`` and what
pretraining measured. ``sim2act.models.clip_encoders.load_clip`` loads it like OpenAI's CLIP.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sim2act.errors import Sim2ActError
from sim2act.models.clip_embedder import ClipEmbedder

PRIOR_JSON = "prior.json"
FORMAT = 1


def is_prior(folder: Path) -> bool:
    """Whether ``folder`` holds a sim2act prior (its ``prior.json``)."""
    return (Path(folder) / PRIOR_JSON).is_file()


def read_prior_info(folder: Path) -> dict[str, Any]:
    """The contents of a prior's ``prior.json``; a missing or corrupt one is a one-line error."""
    path = Path(folder) / PRIOR_JSON
    if not path.is_file():
        raise Sim2ActError(f"no sim2act prior at {folder}: {PRIOR_JSON} not found")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise Sim2ActError(f"corrupt prior file {path}: {error}") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        found = info.get("format") if isinstance(info, dict) else info
        raise Sim2ActError(f"{path}: unsupported prior format {found!r} (expected {FORMAT})")
    return info


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse an output that is a file, or a non-empty folder holding no prior unless ``overwrite``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise Sim2ActError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not is_prior(out) and not overwrite:
        raise Sim2ActError(
            f"--out {out} is not empty and holds no sim2act prior (no {PRIOR_JSON}); pick another folder or pass --overwrite"
        )


def save_prior(embedder: ClipEmbedder, out: Path, info: dict[str, Any]) -> Path:
    """Write the prior into a staging folder, then swap it in for ``out``: a killed save never leaves half a prior."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # save_pretrained's own bar would break the CLI's
    embedder.model.save_pretrained(str(staging))
    embedder.tokenizer.save_pretrained(str(staging))
    processor = {
        "image_processor_type": "CLIPImageProcessor",
        "do_resize": True,
        "size": {"shortest_edge": embedder.image_size},
        "do_center_crop": True,
        "crop_size": {"height": embedder.image_size, "width": embedder.image_size},
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": embedder.mean.view(-1).tolist(),
        "image_std": embedder.std.view(-1).tolist(),
        "do_convert_rgb": True,
    }
    (staging / "preprocessor_config.json").write_text(json.dumps(processor, indent=2) + "\n")
    (staging / PRIOR_JSON).write_text(json.dumps({"format": FORMAT, **info}, indent=2) + "\n")
    replaced = out.parent / f".{out.name}.replaced"
    shutil.rmtree(replaced, ignore_errors=True)
    if out.exists():
        out.rename(replaced)
    staging.rename(out)
    shutil.rmtree(replaced, ignore_errors=True)
    return out
