"""A word-level tokenizer whose vocabulary is a domain's task grammar.

Instructions in sim2act come from a grammar, so a closed word list covers them exactly; a word the
grammar cannot produce maps to ``[UNK]``. Token 0 is padding and token 2 a leading ``[CLS]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import torch

from sim2act.errors import Sim2ActError

PAD, UNK, CLS = "[PAD]", "[UNK]", "[CLS]"
SPECIAL_TOKENS = (PAD, UNK, CLS)
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


class WordTokenizer:
    """Splits lower-cased text into words and punctuation and maps them to ids.

    >>> tok = WordTokenizer(["go", "to", "the", "red", "ball"])
    >>> tok.words("Go to the red ball, now")
    ['go', 'to', 'the', 'red', 'ball', ',', 'now']
    >>> ids, mask = tok.encode(["go to the red ball", "go to"])
    >>> ids.tolist()
    [[2, 3, 4, 5, 6, 7], [2, 3, 4, 0, 0, 0]]
    """

    def __init__(self, words: Sequence[str], max_length: int = 48) -> None:
        self.vocab = list(SPECIAL_TOKENS) + [w for w in dict.fromkeys(words) if w not in SPECIAL_TOKENS]
        self.ids = {word: i for i, word in enumerate(self.vocab)}
        self.max_length = max_length
        """Longest encoded instruction, ``[CLS]`` included; longer ones are cut."""

    def __len__(self) -> int:
        return len(self.vocab)

    @staticmethod
    def words(text: str) -> list[str]:
        return _WORD.findall(text.lower())

    def encode(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids ``(B, L)`` padded to the longest text, and the mask of real tokens."""
        unk = self.ids[UNK]
        rows = [[self.ids[CLS]] + [self.ids.get(w, unk) for w in self.words(t)] for t in texts]
        rows = [row[: self.max_length] for row in rows]
        length = max(len(row) for row in rows)
        ids = torch.zeros(len(rows), length, dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
        return ids, ids != self.ids[PAD]

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps({"type": "word", "vocab": self.vocab, "max_length": self.max_length}))

    @classmethod
    def load(cls, path: Path) -> WordTokenizer:
        try:
            data = json.loads(Path(path).read_text())
            vocab = data["vocab"]
            tokenizer = cls(vocab[len(SPECIAL_TOKENS) :], max_length=int(data["max_length"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise Sim2ActError(f"unreadable tokenizer {path}: {error}") from None
        if tokenizer.vocab != vocab or len(vocab) <= len(SPECIAL_TOKENS):
            raise Sim2ActError(f"tokenizer {path} has an empty or malformed vocabulary")
        return tokenizer
