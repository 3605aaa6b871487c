"""The dataset schema: action spaces it cannot store are a one-line user error, not a raw exception."""

import pytest
from gymnasium import spaces

from sim2act.data.schema import action_feature
from sim2act.errors import Sim2ActError


def test_an_unsupported_action_space_is_a_user_error():
    with pytest.raises(Sim2ActError, match="Discrete and 1-D Box actions"):
        action_feature(spaces.Box(-1, 1, (2, 3)))


def test_supported_action_spaces():
    assert action_feature(spaces.Discrete(7)).shape == ()
    assert action_feature(spaces.Box(-1, 1, (4,))).shape == (4,)
