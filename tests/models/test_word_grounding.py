import itertools

import torch

from sim2act.models.word_grounding import WordGrounding

COLOURS, CELLS, D = 4, 3, 16


def _batch(pairs, generator):
    """Two-word instructions (first colour → stream 0, second → stream 1) over cells coloured one-hot.

    The cells hold both named colours and one other; the targets are the cells of each stream's colour."""
    contents = torch.eye(COLOURS, D)
    word_contents, cells, targets = [], [], []
    for first, second in pairs:
        other = next(c for c in torch.randperm(COLOURS, generator=generator).tolist() if c not in (first, second))
        order = torch.randperm(CELLS, generator=generator)
        colours = torch.tensor([first, second, other])[order]
        word_contents.append(contents[[first, second]])
        cells.append(contents[colours] * 3.0)
        targets.append([colours.tolist().index(first), colours.tolist().index(second)])
    return torch.stack(word_contents), torch.stack(cells), torch.tensor(targets)


def test_scores_have_one_row_per_stream_and_ignore_masked_words():
    torch.manual_seed(0)
    grounding = WordGrounding(D, streams=2, heads=2, width=8)
    contents, cells = torch.randn(3, 4, D), torch.randn(3, 5, D)
    mask = torch.tensor([[True, True, False, False]] * 3)
    scores = grounding(contents, mask, cells)
    assert scores.shape == (3, 2, 5)
    contents[:, 2:] = torch.randn(3, 2, D)
    torch.testing.assert_close(grounding(contents, mask, cells), scores)


def test_a_colour_learned_in_one_slot_is_found_in_the_other():
    """Colour 0 is never the first word in training, yet stream 0 finds its cell when it is."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    pairs = [(a, b) for a, b in itertools.permutations(range(COLOURS), 2)]
    train = [p for p in pairs if p[0] != 0]
    held_out = [p for p in pairs if p[0] == 0]
    grounding = WordGrounding(D, streams=2, heads=1, width=8)
    optimizer = torch.optim.Adam(grounding.parameters(), lr=0.05)
    mask = torch.ones(len(train) * 4, 2, dtype=torch.bool)
    for _ in range(150):
        contents, cells, targets = _batch(train * 4, generator)
        scores = grounding(contents, mask, cells)
        loss = torch.nn.functional.cross_entropy(scores.flatten(0, 1), targets.flatten())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    contents, cells, targets = _batch(held_out * 4, generator)
    with torch.no_grad():
        scores = grounding(contents, torch.ones(len(contents), 2, dtype=torch.bool), cells)
    assert (scores[:, 0].argmax(-1) == targets[:, 0]).float().mean() == 1.0
