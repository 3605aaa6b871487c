"""What a policy is built from: hyperparameters (``PolicyConfig``) and what the data fixes (``PolicySpec``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim2act.errors import Sim2ActError
from sim2act.observations import composed_shape

ENCODER_MODES = ("finetune", "frozen")
VISION_STEMS = ("factored", "patch", "chroma", "chroma-cnn")
DEFAULT_STEM, DEFAULT_PATCH = "patch", 8
"""What a policy built with neither a stem nor a patch size gets (a domain declares its own: ``Domain.vision``)."""
ACTION_HEADS = ("independent", "pick_place", "keypoints", "cell_servo")
DEFAULT_ACTION_HEAD = "independent"
"""What a policy built with no action head gets (a domain declares its own: ``Domain.vision``)."""
PRIOR_STREAM_ROWS = ("all", "unread")
LOOP_PRIOR = "loop"
"""``PolicyConfig.prior_stream``'s name for the π0 of the Sim2Act loop that trains the policy."""


@dataclass(frozen=True)
class PolicyConfig:
    """Hyperparameters of π_θ(a | o, ℓ)."""

    encoder: str = "small"
    """Encoder backend: ``small`` (CNN + word transformer, from scratch) or ``clip`` (Hugging Face CLIPModel)."""
    clip_path: str | None = None
    """Local folder (or HF cache id) of a CLIP checkpoint for ``encoder=clip``; never downloaded."""
    init_from: str | None = None
    """A vision-language prior checkpoint whose encoder weights initialise this policy's encoders."""
    vision_stem: str | None = None
    """Tokens of the ``small`` encoder: ``factored`` (a colour plus a form embedding per grid cell), ``chroma`` (a hue
    histogram plus a colour-blind form embedding per camera patch), ``chroma-cnn`` (``chroma`` with a CNN reading the
    form) or ``patch`` (an MLP of the pixels); None: the
    domain's default (``Domain.vision``)."""
    patch_size: int | None = None
    """Pixels per visual token side of the ``small`` encoder; None: the domain's (``Domain.vision``)."""
    encoder_mode: str = "finetune"
    """``finetune`` trains the encoders with the rest; ``frozen`` keeps their weights fixed."""
    d_model: int = 64
    """Width of every token and of the joint context h_c."""
    heads: int = 4
    """Attention heads in the text encoder and the fusion layers."""
    text_layers: int = 0
    """Self-attention layers of the small text encoder before fusion (0: word + position embeddings; see policy.py)."""
    fusion_layers: int = 2
    """Cross-attention layers from instruction tokens to visual and proprioceptive tokens."""
    memory: int = 3
    """Observations in the policy's window (the current one and ``memory - 1`` before it)."""
    action_bins: int = 256
    """Bins per dimension of a Box action space (RT-1 style); unused for discrete actions."""
    action_chunk: int = 1
    """Box actions: the head predicts this many consecutive actions at once (an action chunk, as ACT and Diffusion
    Policy do) and the policy executes them all before it looks again; 1: one action per observation."""
    dropout: float = 0.0
    """Dropout in attention blocks and MLPs."""
    action_head: str | None = None
    """``independent`` (a softmax per dimension from h_c), ``pick_place`` (cells scored from the visual tokens, then
    place given pick; MultiDiscrete([N, N]) actions only) or ``keypoints`` (Box actions from h_c, the proprio token
    and instruction-conditioned keypoints of the image; keypoint_head.py) or ``cell_servo`` (Box end-effector actions
    toward grounded pick and place cells learned from hindsight grasps; cell_servo_head.py); None: the domain's
    default (``Domain.vision``)."""
    cell_pixels: tuple[tuple[float, float], ...] | None = None
    """Where each action cell appears in the first camera's image, (x, y) as fractions of its width and height; the
    ``pick_place`` head reads the visual tokens there. None: the domain's (``Domain.vision``), or none."""
    cell_positions: tuple[tuple[float, float], ...] | None = None
    """For the ``cell_servo`` head: each cell's centre in the frame of proprio's first two dimensions
    (``CellMotions.cell_positions``). None: the domain's, or none."""
    prior_stream: str | None = None
    """A π0 folder (``sim2act pretrain-prior``) whose frozen cell scores of the instruction's phrases the ``pick_place``
    head adds to its own (CLIPort's semantic stream; prior_stream.py); ``loop``: the loop's own π0 (``sim2act run``).
    None: no stream."""
    word_dropout: float = 0.0
    """With ``prior_stream``: the share of training instructions in which each word is hidden from the head's own
    grounding with probability ½ (as a word it never read, left to the stream)."""
    prior_stream_rows: str = "all"
    """With ``prior_stream``: where the stream's scores count: ``all`` rows, or only rows whose instruction has a word
    the head cannot read (``unread``: never read in training, or hidden by ``word_dropout``)."""
    view_weight: float = 0.0
    """Weight of the view loss (object_view.py): h_c must say where the instruction's object is in the frame, from
    the simulator's annotations (domains with ``object_views``); 0: no view head."""
    view_parts: bool = False
    """With ``view_weight``: h_c must also say in which columns anything of the named attribute, and anything of the
    named kind, is seen (each word grounded on its own, for unseen compositions)."""
    view_map: bool = False
    """With ``view_weight``: a grounded map (grounded_map.py) scores the named attribute on each patch's colour
    embedding and the named kind on its form embedding (the ``chroma`` or ``factored`` stem), learns from the same
    annotations, and its column profile is added to h_c before the action head."""

    def validated(self) -> PolicyConfig:
        if self.encoder not in ("small", "clip"):
            raise Sim2ActError(f"unknown encoder {self.encoder!r}; known: small, clip")
        if self.vision_stem is not None and self.vision_stem not in VISION_STEMS:
            raise Sim2ActError(f"unknown vision stem {self.vision_stem!r}; known: {', '.join(VISION_STEMS)}")
        if self.action_head is not None and self.action_head not in ACTION_HEADS:
            raise Sim2ActError(f"unknown action head {self.action_head!r}; known: {', '.join(ACTION_HEADS)}")
        if self.encoder_mode not in ENCODER_MODES:
            raise Sim2ActError(f"unknown encoder mode {self.encoder_mode!r}; known: {', '.join(ENCODER_MODES)}")
        if self.encoder == "clip" and not (self.clip_path or self.init_from):
            raise Sim2ActError("encoder 'clip' needs --clip-path (a local CLIP checkpoint folder) or --init-from")
        if self.prior_stream_rows not in PRIOR_STREAM_ROWS:
            raise Sim2ActError(f"prior_stream_rows must be one of {', '.join(PRIOR_STREAM_ROWS)}, got {self.prior_stream_rows!r}")
        if self.view_weight < 0:
            raise Sim2ActError(f"view_weight must be >= 0, got {self.view_weight}")
        if self.view_map and (self.view_weight <= 0 or self.vision_stem not in (None, "chroma", "chroma-cnn", "factored")):
            raise Sim2ActError(f"view_map needs view_weight > 0 and a chroma, chroma-cnn or factored stem "
                               f"(got view_weight={self.view_weight}, vision_stem={self.vision_stem!r})")
        if not 0.0 <= self.word_dropout < 1.0:
            raise Sim2ActError(f"word_dropout must lie in [0, 1), got {self.word_dropout}")
        if self.prior_stream and self.action_head not in (None, "pick_place"):
            raise Sim2ActError(f"prior_stream scores cells for the pick_place head, not the {self.action_head!r} head")
        if (
            self.memory < 1 or self.heads < 1 or self.d_model % self.heads or self.action_bins < 2
            or self.text_layers < 0 or self.fusion_layers < 1 or (self.patch_size is not None and self.patch_size < 1)
            or self.action_chunk < 1
        ):
            raise Sim2ActError(
                f"bad policy shape: memory={self.memory} (>= 1), d_model={self.d_model} "
                f"(a multiple of heads={self.heads}), action_bins={self.action_bins} (>= 2), "
                f"text_layers={self.text_layers} (>= 0), fusion_layers={self.fusion_layers} (>= 1), "
                f"action_chunk={self.action_chunk} (>= 1)"
            )
        return self


@dataclass(frozen=True)
class PolicySpec:
    """The observation and action spaces a policy is built for, read off a dataset card.

    The policy sees one image per observation: each camera's RGB (and its depth, scaled from
    ``depth_range`` to 0–255, as a fourth channel) side by side along the width (``sim2act.observations``).
    """

    domain: str
    image_shape: tuple[int, int, int]
    """(H, W, C) of the composed image: cameras side by side, RGB plus a depth channel where there is depth."""
    proprio_size: int
    action_space: dict[str, Any] = field(default_factory=dict)
    """The dataset card's JSON action space (``sim2act.data.schema.action_space_to_json``)."""
    levels: tuple[str, ...] = ()
    """Levels of the data the policy was built for: ``sim2act eval``'s default levels."""
    cameras: tuple[str, ...] = ("rgb",)
    """Observation keys of the RGB frames, left to right in the composed image."""
    depth: tuple[str, ...] = ()
    """Observation keys of each camera's depth (one per camera), or empty."""
    depth_range: tuple[float, float] = (0.0, 1.0)
    """Depths mapped to 0 and 255 in the depth channel (the sensor's declared range)."""
    proprio_key: str = "proprio"
    """Observation key of the proprioception vector (unused when ``proprio_size`` is 0)."""
    proprio_min: tuple[float, ...] = ()
    """Per-dimension minimum of proprio in the training data; empty: proprio enters unnormalised (older checkpoints)."""
    proprio_max: tuple[float, ...] = ()
    """Per-dimension maximum of proprio in the training data (the policy maps [min, max] to [-1, 1])."""
    env_options: dict[str, Any] = field(default_factory=dict)
    """Env options the data was generated with (``sim2act.envs.make(domain, level, **env_options)``)."""
    vocabulary: tuple[str, ...] = ()
    """Words of the domain's task grammar, which the small backend's tokenizer is built from."""

    @property
    def action_type(self) -> str:
        """``discrete``, ``multi_discrete`` or ``box``."""
        return self.action_space["type"]

    @property
    def discrete(self) -> bool:
        return self.action_type == "discrete"

    @property
    def action_dim(self) -> int:
        """Number of discrete actions, or the number of dimensions of a MultiDiscrete or Box action."""
        if self.discrete:
            return int(self.action_space["n"])
        if self.action_type == "multi_discrete":
            return len(self.action_space["nvec"])
        return len(self.action_low)

    @property
    def action_nvec(self) -> list[int]:
        """Classes per dimension of a MultiDiscrete action."""
        return [int(n) for n in self.action_space["nvec"]]

    @property
    def action_low(self) -> list[float]:
        """The Box's lower bounds, flattened."""
        return _flat(self.action_space["low"])

    @property
    def action_high(self) -> list[float]:
        """The Box's upper bounds, flattened."""
        return _flat(self.action_space["high"])

    @classmethod
    def from_card(cls, card) -> PolicySpec:
        """The spec of a dataset: its sensors, action space, levels, env options and proprio statistics."""
        sensors = card.sensors
        cameras, depth = tuple(sensors["cameras"]), tuple(sensors.get("depth", ()))
        proprio_key = sensors.get("proprio") or ""
        proprio = card.features.get(proprio_key, {"shape": [0]}) if proprio_key else {"shape": [0]}
        stats = card.stats.get(proprio_key, {}) if proprio_key else {}
        options = [run["config"].get("env", {}) for run in card.runs]
        if any(o != options[0] for o in options):
            raise Sim2ActError(f"the dataset's runs used different env options ({options}); a policy fits one")
        return cls(
            domain=card.domain,
            image_shape=composed_shape({k: f["shape"] for k, f in card.features.items()}, cameras, depth),
            proprio_size=int(_prod(proprio["shape"])),
            action_space=dict(card.action_space),
            levels=tuple(sorted({run["config"]["level"] for run in card.runs})),
            cameras=cameras,
            depth=depth,
            depth_range=tuple(sensors.get("depth_range", (0.0, 1.0))),
            proprio_key=proprio_key or "proprio",
            proprio_min=tuple(stats.get("min", ())),
            proprio_max=tuple(stats.get("max", ())),
            env_options=dict(options[0]) if options else {},
        )

    def compatible_with(self, other: PolicySpec) -> str | None:
        """Why a policy built for ``self`` cannot use data of ``other``, or None when it can."""
        for name in ("image_shape", "proprio_size", "cameras", "depth", "depth_range", "proprio_key"):
            if getattr(self, name) != getattr(other, name):
                return f"{name} {getattr(other, name)} != the policy's {getattr(self, name)}"
        mine = {k: v for k, v in self.action_space.items() if k != "names"}
        theirs = {k: v for k, v in other.action_space.items() if k != "names"}
        if mine != theirs:
            return f"action space {theirs} != the policy's {mine}"
        return None


def _prod(shape) -> int:
    out = 1
    for s in shape:
        out *= int(s)
    return out


def _flat(values) -> list[float]:
    return [x for v in values for x in _flat(v)] if isinstance(values, list) else [values]
