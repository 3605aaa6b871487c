"""ClipEmbedder reads CLIP folders that are not sim2act priors: resizes frames and uses their statistics."""

import json

import numpy as np
import pytest
import torch

from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.errors import Sim2ActError
from sim2act.models.clip_encoders import CLIP_MEAN, CLIP_STD
from sim2act.models.hf_word_tokenizer import build_hf_word_tokenizer
from sim2act.priors import ClipEmbedder, is_prior


def save_plain_clip(folder, image_size=32):
    """A tiny randomly initialised CLIP folder as ``save_pretrained`` writes it: no prior.json, no image processor."""
    from transformers import CLIPConfig, CLIPModel

    tokenizer = build_hf_word_tokenizer(VOCABULARY)
    tower = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2)
    config = CLIPConfig(
        text_config=dict(
            **tower, vocab_size=len(tokenizer), max_position_embeddings=48, bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        ),
        vision_config=dict(**tower, image_size=image_size, patch_size=8),
        projection_dim=16,
    )
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


@torch.no_grad()
def test_plain_clip_folder_gets_resized_frames_and_clip_statistics(tmp_path):
    folder = save_plain_clip(tmp_path / "clip", image_size=32)
    embedder = ClipEmbedder.load(folder)
    assert not is_prior(folder)
    assert embedder.image_size == 32
    assert np.allclose(embedder.mean.view(-1), CLIP_MEAN) and np.allclose(embedder.std.view(-1), CLIP_STD)
    frames = torch.randint(0, 256, (5, 56, 56, 3), dtype=torch.uint8)
    images = embedder.images(frames)
    assert images.shape == (5, 16)
    torch.testing.assert_close(images.norm(dim=-1), torch.ones(5))
    # The resize is what the vision tower sees: 56-pixel frames embed like their 32-pixel bilinear resize.
    small = torch.nn.functional.interpolate(frames.permute(0, 3, 1, 2).float(), size=(32, 32), mode="bilinear")
    resized = embedder.images(small.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1))
    assert torch.nn.functional.cosine_similarity(images, resized).min() > 0.99
    texts = embedder.texts(["go to the red ball", "pick up a key"])
    assert texts.shape == (2, 16) and not torch.allclose(texts[0], texts[1])


def test_image_processor_statistics_are_used(tmp_path):
    folder = save_plain_clip(tmp_path / "clip")
    (folder / "preprocessor_config.json").write_text(json.dumps({"image_mean": [0.5] * 3, "image_std": [0.25] * 3}))
    embedder = ClipEmbedder.load(folder)
    assert embedder.mean.view(-1).tolist() == [0.5] * 3 and embedder.std.view(-1).tolist() == [0.25] * 3


def test_missing_folder_is_one_line_error(tmp_path):
    with pytest.raises(Sim2ActError, match="no usable CLIP checkpoint"):
        ClipEmbedder.load(tmp_path / "nothing-here")
