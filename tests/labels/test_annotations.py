"""Labels cut and erase an episode's privileged annotations row for row with its observations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim2act import features as F
from sim2act.labels import erase_loops, get_labeler
from sim2act.tasks import get_split


def _annotated(episode):
    """The episode with each row's index as its annotation, so a kept row says which row it was."""
    return replace(episode, annotations={F.OBJECT_VIEW: np.arange(len(episode), dtype=np.int8)[:, None]})


def test_cut_and_loop_erasure_keep_annotations_with_their_rows(rollouts):
    label = get_labeler("both")
    erased = 0
    for episode in rollouts("GoToLocal", episodes=32):
        kept = label(_annotated(episode), get_split("train"))
        if kept is None:
            continue
        assert kept.annotations[F.OBJECT_VIEW][:, 0].tolist() == list(range(len(kept)))
        shorter = erase_loops(kept)
        if shorter is None or len(shorter) == len(kept):
            continue
        erased += 1
        rows = shorter.annotations[F.OBJECT_VIEW][:, 0]
        assert len(rows) == len(shorter) and np.all(np.diff(rows) > 0)
        np.testing.assert_array_equal(shorter.observations[F.RGB], kept.observations[F.RGB][rows])
        np.testing.assert_array_equal(shorter.actions, kept.actions[rows])
    assert erased
