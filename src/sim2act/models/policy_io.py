"""Save and load policies as safetensors plus JSON: loading a checkpoint never runs code from it.

A policy folder holds ``model.safetensors``, ``policy.json`` (format, spec, config) and the tokenizer:
``tokenizer.json`` for the small backend, or a ``clip/`` folder with the CLIP config and tokenizer,
so a checkpoint is self-contained and needs no network and no original CLIP folder.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from sim2act.data.atomic import atomic_write
from sim2act.errors import Sim2ActError
from sim2act.models.config import PolicyConfig, PolicySpec
from sim2act.models.policy import VisionLanguagePolicy
from sim2act.validation import config_from_dict

FORMAT = 1
WEIGHTS = "model.safetensors"
POLICY_JSON = "policy.json"
PRIOR_STREAM = "prior_stream"
"""A policy folder's copy of its prior stream's π0 folder (config, tokenizer, statistics; weights as well)."""


def save_policy(policy: VisionLanguagePolicy, folder: Path) -> Path:
    """Write the policy into ``folder`` (created); every file is written atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in policy.state_dict().items()}
    atomic_write(folder / WEIGHTS, lambda tmp: save_file(state, str(tmp), metadata={"format": str(FORMAT)}))
    meta = {"format": FORMAT, "spec": asdict(policy.spec), "config": asdict(policy.config)}
    atomic_write(folder / POLICY_JSON, lambda tmp: tmp.write_text(json.dumps(meta, indent=2)))
    if policy.config.encoder == "clip":
        clip_dir = folder / "clip"
        if clip_dir.exists():
            shutil.rmtree(clip_dir)
        clip_dir.mkdir()
        policy.vision.clip_config.save_pretrained(str(clip_dir))
        policy.tokenizer.save(clip_dir)
        statistics = {"image_mean": policy.vision.mean.view(-1).tolist(), "image_std": policy.vision.std.view(-1).tolist()}
        (clip_dir / "preprocessor_config.json").write_text(json.dumps(statistics, indent=2))
    else:
        atomic_write(folder / "tokenizer.json", policy.tokenizer.save)
    if policy.prior_stream is not None:
        _copy_prior(Path(policy.config.prior_stream), folder / PRIOR_STREAM)
    return folder


def _copy_prior(source: Path, target: Path) -> None:
    if source.resolve() == target.resolve():
        return
    staging = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def read_policy_meta(folder: Path) -> tuple[PolicySpec, PolicyConfig]:
    """The spec and config stored with a policy checkpoint."""
    path = Path(folder) / POLICY_JSON
    if not path.is_file():
        raise Sim2ActError(f"no policy checkpoint at {folder}: {POLICY_JSON} not found")
    try:
        meta = json.loads(path.read_text())
        if meta.get("format") != FORMAT:
            raise Sim2ActError(f"{path}: unsupported checkpoint format {meta.get('format')!r} (expected {FORMAT})")
        # Checkpoints from before the factored stem have no vision_stem and used patch tokens, of 8 pixels;
        # those from before the pick_place head have no action_head and used the independent heads.
        config = {"vision_stem": "patch", "patch_size": 8, "action_head": "independent", **meta["config"]}
        # Checkpoints from before multi-camera specs recorded has_depth without saying which key.
        spec = {k: v for k, v in meta["spec"].items() if k != "has_depth"}
        return config_from_dict(PolicySpec, spec), config_from_dict(PolicyConfig, config)
    except (ValueError, KeyError, TypeError) as error:
        raise Sim2ActError(f"corrupt checkpoint file {path}: {error}") from None


def read_state_dict(folder: Path) -> dict[str, torch.Tensor]:
    path = Path(folder) / WEIGHTS
    if not path.is_file():
        raise Sim2ActError(f"no policy weights at {folder}: {WEIGHTS} not found")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise Sim2ActError(f"corrupt checkpoint file {path}: {error}") from None


def load_policy(folder: Path) -> VisionLanguagePolicy:
    """The policy saved in ``folder``, on the CPU, in eval mode."""
    from sim2act.models.factory import build_policy
    from sim2act.models.tokenizer import WordTokenizer

    folder = Path(folder)
    spec, config = read_policy_meta(folder)
    if config.prior_stream:
        config = PolicyConfig(**{**asdict(config), "prior_stream": str(folder / PRIOR_STREAM)})
    if config.encoder == "clip":
        config = PolicyConfig(**{**asdict(config), "clip_path": str(folder / "clip"), "init_from": None})
        policy = build_policy(spec, config, clip_weights=False)
    else:
        # The text encoder is sized from the saved tokenizer: the domain's vocabulary may have grown since.
        tokenizer = WordTokenizer.load(folder / "tokenizer.json")
        policy = build_policy(spec, PolicyConfig(**{**asdict(config), "init_from": None}), tokenizer=tokenizer)
    state = read_state_dict(folder)
    try:
        policy.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise Sim2ActError(f"checkpoint {folder} does not match its policy.json: {str(error).splitlines()[0]}") from None
    return policy.eval()
