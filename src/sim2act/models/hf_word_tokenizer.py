"""A Hugging Face fast tokenizer over a grammar's word list, for CLIP-architecture models.

sim2act's own CLIP-architecture prior uses it instead of CLIP's 49k-token BPE: instructions come
from a closed grammar. It saves and loads like any HF tokenizer (``AutoTokenizer.from_pretrained``).
"""

from __future__ import annotations

from collections.abc import Sequence

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

SPECIALS = {"pad_token": "[PAD]", "unk_token": "[UNK]", "bos_token": "[BOS]", "eos_token": "[EOS]"}


def build_hf_word_tokenizer(words: Sequence[str], max_length: int = 48) -> PreTrainedTokenizerFast:
    """``[BOS] words... [EOS]`` with ids 0-3 for the special tokens, then ``words`` in order."""
    vocab = {token: i for i, token in enumerate(SPECIALS.values())}
    for word in words:
        vocab.setdefault(word, len(vocab))
    core = Tokenizer(models.WordLevel(vocab, unk_token=SPECIALS["unk_token"]))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    bos, eos = SPECIALS["bos_token"], SPECIALS["eos_token"]
    core.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, vocab[bos]), (eos, vocab[eos])]
    )
    return PreTrainedTokenizerFast(tokenizer_object=core, model_max_length=max_length, **SPECIALS)
