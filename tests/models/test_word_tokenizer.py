"""WordTokenizer (small backend) and the Hugging Face word tokenizer (CLIP-architecture prior)."""

from __future__ import annotations

import json

import pytest
import torch

from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.errors import Sim2ActError
from sim2act.models.hf_word_tokenizer import build_hf_word_tokenizer
from sim2act.models.tokenizer import SPECIAL_TOKENS, WordTokenizer


def test_encode_gives_cls_first_padded_ids_and_mask():
    tok = WordTokenizer(["go", "to", "the", "red", "ball", "box"])
    ids, mask = tok.encode(["go to the red ball", "go to the box", "ball"])
    assert ids.dtype == torch.long and ids.shape == (3, 6) and mask.shape == (3, 6)
    assert ids.tolist() == [[2, 3, 4, 5, 6, 7], [2, 3, 4, 5, 8, 0], [2, 7, 0, 0, 0, 0]]
    assert mask.tolist() == [[True] * 6, [True] * 5 + [False], [True, True] + [False] * 4]


def test_unknown_words_map_to_unk_and_case_is_ignored():
    tok = WordTokenizer(["go", "to", "the", "ball"])
    ids, mask = tok.encode(["GO to the purple ball!"])
    assert ids.tolist() == [[2, 3, 4, 5, 1, 6, 1]]  # "purple" and "!" are [UNK] = 1
    assert tok.ids["[UNK]"] == 1 and mask.all()


def test_long_instructions_are_cut_to_max_length():
    tok = WordTokenizer(["go"], max_length=4)
    ids, _ = tok.encode(["go go go go go go"])
    assert ids.shape == (1, 4) and ids[0, 0].item() == tok.ids["[CLS]"]


def test_save_load_round_trip(tmp_path):
    tok = WordTokenizer(VOCABULARY, max_length=20)
    path = tmp_path / "tokenizer.json"
    tok.save(path)
    loaded = WordTokenizer.load(path)
    assert loaded.vocab == tok.vocab and loaded.max_length == 20 and len(loaded) == len(VOCABULARY) + len(SPECIAL_TOKENS)
    texts = ["go to the red ball", "pick up a blue key , then open the door", "zebra"]
    for a, b in zip(tok.encode(texts), loaded.encode(texts)):
        assert torch.equal(a, b)


@pytest.mark.parametrize(
    "content",
    [
        {"type": "word", "vocab": list(SPECIAL_TOKENS), "max_length": 48},  # specials only
        {"type": "word", "vocab": [], "max_length": 48},
        {"type": "word", "vocab": ["go", "to"], "max_length": 48},  # specials missing
    ],
)
def test_empty_or_malformed_vocabulary_is_refused(tmp_path, content):
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(content))
    with pytest.raises(Sim2ActError, match="empty or malformed vocabulary"):
        WordTokenizer.load(path)


@pytest.mark.parametrize("text", ["not json", json.dumps({"vocab": ["[PAD]", "[UNK]", "[CLS]", "go"]})])
def test_unreadable_tokenizer_file_is_a_user_error(tmp_path, text):
    path = tmp_path / "tokenizer.json"
    path.write_text(text)
    with pytest.raises(Sim2ActError, match="unreadable tokenizer"):
        WordTokenizer.load(path)
    with pytest.raises(Sim2ActError, match="unreadable tokenizer"):
        WordTokenizer.load(tmp_path / "missing.json")


def test_hf_word_tokenizer_reloads_with_identical_ids(tmp_path):
    from transformers import AutoTokenizer

    tok = build_hf_word_tokenizer(VOCABULARY)
    assert [tok.pad_token_id, tok.unk_token_id, tok.bos_token_id, tok.eos_token_id] == [0, 1, 2, 3]
    assert len(tok) == 4 + len(VOCABULARY)
    tok.save_pretrained(str(tmp_path))
    loaded = AutoTokenizer.from_pretrained(str(tmp_path), local_files_only=True)
    texts = ["go to the red ball", "Pick up the BLUE key", "go to the zebra"]
    ours = tok(texts, padding=True)
    theirs = loaded(texts, padding=True)
    assert ours["input_ids"] == theirs["input_ids"] and ours["attention_mask"] == theirs["attention_mask"]
    first = ours["input_ids"][0]
    assert first[0] == 2 and first[-1] == 3 and first[1:-1] == [4 + VOCABULARY.index(w) for w in "go to the red ball".split()]
    assert tok.unk_token_id in ours["input_ids"][2]  # "zebra"
    assert ours["input_ids"][1][4] == 4 + VOCABULARY.index("blue")  # lower-cased
