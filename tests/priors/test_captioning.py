"""CaptionTable: a frame's caption is a uniform caption, said with probability γ^steps, else its mention."""

import numpy as np
import pytest

from sim2act.envs.captions import Caption
from sim2act.priors.captioning import NOTHING, CaptionTable

FRAMES = [
    [
        Caption("go to the red ball", 0, "the red ball"),
        Caption("go to the grey key", 2, "the grey key"),
        Caption("go to the blue box", None, ""),
        Caption("pick up the red ball", 1, "the red ball"),
    ],
    [],  # nothing describable at all
]


def test_draw_frequencies_follow_the_discount():
    table = CaptionTable.build(FRAMES)
    gamma, n = 0.5, 200_000
    drawn = table.draw(np.zeros(n, np.int64), np.random.default_rng(0), gamma)
    freq = {text: np.mean(drawn == table.texts.index(text)) for text in table.texts}
    expected = {
        "go to the red ball": 1 / 4,
        "go to the grey key": gamma**2 / 4,
        "pick up the red ball": gamma / 4,
        "the red ball": (1 - gamma) / 4,
        "the grey key": (1 - gamma**2) / 4,
        NOTHING: 1 / 4,  # the blue box is not in view
        "go to the blue box": 0.0,
    }
    for text, p in expected.items():
        assert freq[text] == pytest.approx(p, abs=0.005), text
    # A frame without captions is always paired with NOTHING.
    assert (table.draw(np.ones(50, np.int64), np.random.default_rng(1), gamma) == 0).all()


def test_similarity_target_grows_as_the_goal_gets_closer():
    """p("go to X" | frame) ∝ γ^d: one action closer multiplies it by 1/γ, whatever else is in view."""
    frames = [[Caption("go to the red ball", d, "the red ball"), Caption("go to the key", 1, "the key")] for d in range(4)]
    table = CaptionTable.build(frames)
    rng = np.random.default_rng(0)
    target = table.texts.index("go to the red ball")
    rates = [np.mean(table.draw(np.full(100_000, i), rng, 0.6) == target) for i in range(4)]
    for closer, farther in zip(rates, rates[1:]):
        assert closer / farther == pytest.approx(1 / 0.6, rel=0.05)


def test_nearest_captions():
    table = CaptionTable.build(FRAMES)
    steps, ids = table.nearest(0)
    assert steps == 0 and {table.texts[i] for i in ids} == {"go to the red ball"}
    assert table.nearest(1) == (-1, set())
