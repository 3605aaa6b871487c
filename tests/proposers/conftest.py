"""A tiny tabletop prior shared by the cell-scoring proposers' tests."""

import pytest

from sim2act.priors import PriorConfig, pretrain_prior

TINY_TABLETOP_PRIOR = PriorConfig(domain="tabletop", level="put-in-bowl", frames=40, steps=4, batch_size=16,
                                  hidden_size=16, layers=1, heads=2, projection_dim=16)


@pytest.fixture(scope="session")
def tabletop_prior(tmp_path_factory):
    return pretrain_prior(TINY_TABLETOP_PRIOR, tmp_path_factory.mktemp("prior") / "tabletop").out
