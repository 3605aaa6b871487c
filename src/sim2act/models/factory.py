"""Build a policy for a spec and config: pick the encoder backend and its initial weights."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sim2act.envs.registry import get_domain
from sim2act.errors import Sim2ActError
from sim2act.models.action_head import check_action_head
from sim2act.models.chroma_cnn_vision import ChromaCnnVisionEncoder
from sim2act.models.chroma_vision import ChromaVisionEncoder
from sim2act.models.clip_embedder import ClipEmbedder
from sim2act.models.clip_encoders import ClipTextEncoder, ClipVisionEncoder, HFTokenizer, image_statistics, load_clip
from sim2act.models.config import DEFAULT_ACTION_HEAD, DEFAULT_PATCH, DEFAULT_STEM, LOOP_PRIOR, PolicyConfig, PolicySpec
from sim2act.models.factored_vision import FactoredVisionEncoder
from sim2act.models.policy import VisionLanguagePolicy
from sim2act.models.prior_stream import PriorStream
from sim2act.models.small_encoders import SmallTextEncoder, SmallVisionEncoder
from sim2act.models.tokenizer import WordTokenizer


def build_policy(
    spec: PolicySpec, config: PolicyConfig, *, tokenizer: WordTokenizer | None = None, clip_weights: bool = True
) -> VisionLanguagePolicy:
    """A freshly initialised policy (CLIP towers from their checkpoint unless ``clip_weights=False``).

    The ``small`` backend's text encoder is sized from ``tokenizer`` (default: one of ``spec.vocabulary``);
    a vision stem, patch size or action head the config leaves open is ``patch`` / 8 pixels / ``independent``
    (training fills in the domain's first: ``training.trainer.domain_defaults``), and the policy's config
    records what was chosen. ``config.init_from`` naming a sim2act policy checkpoint copies its encoder
    weights in; naming a CLIP-architecture prior (``sim2act pretrain-prior``, or a local CLIP folder), it
    is where the ``clip`` backend's towers come from.
    """
    config = replace(config.validated(), action_head=config.action_head or DEFAULT_ACTION_HEAD)
    check_action_head(spec, config.action_head)
    init_policy = bool(config.init_from) and is_policy_checkpoint(Path(config.init_from))
    if config.init_from and not init_policy and config.encoder != "clip":
        raise Sim2ActError(
            f"--init-from {config.init_from} is a CLIP-architecture prior, not a sim2act policy: "
            "its towers initialise --encoder clip"
        )
    if config.encoder == "clip":
        source = config.clip_path or (Path(config.init_from) / "clip" if init_policy else config.init_from)
        clip, hf_tokenizer = load_clip(source, weights=clip_weights)
        mean, std = image_statistics(source)
        vision = ClipVisionEncoder(clip, config.memory, config.d_model, mean, std)
        text = ClipTextEncoder(clip, config.d_model)
        tokenizer = HFTokenizer(hf_tokenizer, clip.config.text_config.max_position_embeddings)
        policy = VisionLanguagePolicy(spec, config, vision, text, tokenizer, prior_stream(spec, config))
        if init_policy:
            _copy_encoders(policy, Path(config.init_from))
        return policy
    if tokenizer is None and not spec.vocabulary:
        raise Sim2ActError("the small encoder's tokenizer needs the domain's vocabulary: the spec has none")
    tokenizer = tokenizer or WordTokenizer(spec.vocabulary)
    config = replace(config, vision_stem=config.vision_stem or DEFAULT_STEM, patch_size=config.patch_size or DEFAULT_PATCH)
    if config.vision_stem == "factored":
        vision = FactoredVisionEncoder(spec.image_shape, config.memory, config.d_model, config.patch_size)
    elif config.vision_stem == "chroma":
        vision = ChromaVisionEncoder(spec.image_shape, config.memory, config.d_model, config.patch_size)
    elif config.vision_stem == "chroma-cnn":
        vision = ChromaCnnVisionEncoder(spec.image_shape, config.memory, config.d_model, config.patch_size)
    else:  # the pick_place head grounds words in the stem's fine map where the domain says where its cells are
        fine = config.action_head in ("pick_place", "cell_servo") and bool(config.cell_pixels)
        vision = SmallVisionEncoder(spec.image_shape, config.memory, config.d_model, config.patch_size, fine=fine)
    text = SmallTextEncoder(len(tokenizer), tokenizer.max_length, config.d_model, config.heads, config.text_layers, config.dropout)
    policy = VisionLanguagePolicy(spec, config, vision, text, tokenizer, prior_stream(spec, config))
    if init_policy:
        _copy_encoders(policy, Path(config.init_from))
    return policy


def prior_stream(spec: PolicySpec, config: PolicyConfig) -> PriorStream | None:
    """The frozen π0 stream ``config.prior_stream`` names for the pick_place head, or None."""
    if not config.prior_stream:
        return None
    if config.prior_stream == LOOP_PRIOR:
        raise Sim2ActError(f"prior_stream {LOOP_PRIOR!r} names the π0 of a `sim2act run` loop; outside one, give a π0 folder")
    if config.action_head != "pick_place" or not config.cell_pixels:
        raise Sim2ActError("prior_stream scores cells for the pick_place head where the domain says where its cells are "
                           f"(VisionDefaults.cell_pixels); this policy has the {config.action_head!r} head")
    phrases = get_domain(spec.domain).grammar.action_phrases
    if phrases is None:
        raise Sim2ActError(f"prior_stream needs phrases read off instructions (Grammar.action_phrases); {spec.domain!r} has none")
    folder = Path(config.prior_stream)
    if not folder.is_dir():
        raise Sim2ActError(f"prior_stream {folder}: no such π0 folder (a `sim2act pretrain-prior` output)")
    return PriorStream(ClipEmbedder.load(folder), config.cell_pixels, phrases, dims=2)


def is_policy_checkpoint(folder: Path) -> bool:
    """A sim2act policy checkpoint (``policy.json``), as opposed to a CLIP folder."""
    from sim2act.models.policy_io import POLICY_JSON

    return (folder / POLICY_JSON).is_file()


def _copy_encoders(policy: VisionLanguagePolicy, source: Path) -> None:
    from sim2act.models.policy_io import read_state_dict

    state = read_state_dict(source)
    encoder_state = {k: v for k, v in state.items() if k.startswith(("vision.", "text."))}
    own = policy.state_dict()
    mismatched = [k for k, v in encoder_state.items() if k not in own or own[k].shape != v.shape]
    if not encoder_state or mismatched:
        raise Sim2ActError(
            f"--init-from {source}: its encoders do not match this policy's "
            f"({len(mismatched)} mismatched tensors, e.g. {mismatched[:1]}); use the same encoder, d_model and memory"
        )
    policy.load_state_dict(encoder_state, strict=False)
