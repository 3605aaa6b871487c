"""The dataset schema: Discrete, MultiDiscrete and n-D Box actions are stored and described; others are a
one-line user error, not a raw exception."""

import numpy as np
import pytest
from gymnasium import spaces

from sim2act.data.episode import Episode
from sim2act.data.feature_stats import merge
from sim2act.data.reader import feature_array
from sim2act.data.schema import action_feature, action_space_to_json, observation_columns, step_features
from sim2act.data.shards import shard_moments, steps_table
from sim2act.errors import Sim2ActError
from sim2act.tasks import Task


@pytest.mark.parametrize("space", [spaces.Tuple([spaces.Discrete(2)]), spaces.MultiDiscrete([3, 4], start=[1, 0]),
                                   spaces.MultiDiscrete([[2, 2], [2, 2]])])
def test_an_unsupported_action_space_is_a_user_error(space):
    with pytest.raises(Sim2ActError, match="sim2act datasets store Discrete, 1-D MultiDiscrete"):
        action_feature(space)


def test_supported_action_spaces():
    assert action_feature(spaces.Discrete(7)).shape == ()
    assert action_feature(spaces.Box(-1, 1, (4,))).shape == (4,)
    multi = action_feature(spaces.MultiDiscrete([49, 49]))
    assert (multi.dtype, multi.shape) == ("int64", (2,))
    box = action_feature(spaces.Box(-1, 1, (2, 3)))
    assert (box.dtype, box.shape, box.is_raw_bytes) == ("float32", (2, 3), True)


def test_action_spaces_serialise_with_their_shape():
    assert action_space_to_json(spaces.MultiDiscrete([3, 4])) == {"type": "multi_discrete", "nvec": [3, 4]}
    box = action_space_to_json(spaces.Box(np.zeros((2, 3)), np.ones((2, 3))))
    assert box["type"] == "box" and np.shape(box["low"]) == (2, 3)


def test_observation_columns_keep_the_historic_order_then_every_other_box():
    space = spaces.Dict({
        "rgb_wrist": spaces.Box(0, 255, (4, 4, 3), np.uint8), "proprio": spaces.Box(-1, 1, (3,)),
        "rgb": spaces.Box(0, 255, (4, 4, 3), np.uint8), "depth_wrist": spaces.Box(0, 5, (4, 4)),
        "instruction": spaces.Text(10),
    })
    assert observation_columns(space) == ["rgb", "proprio", "depth_wrist", "rgb_wrist"]


@pytest.mark.parametrize("space", [spaces.Box(-1.0, 1.0, (2, 3), np.float32), spaces.MultiDiscrete([49, 49])])
def test_multi_dimensional_actions_survive_a_shard_round_trip(space):
    observation_space = spaces.Dict({"rgb": spaces.Box(0, 255, (4, 6, 3), np.uint8), "instruction": spaces.Text(10)})
    features = step_features(observation_space, space)
    space.seed(0)
    actions = np.stack([space.sample() for _ in range(5)])
    episode = Episode(
        episode_id=3, task=Task("grid", "GoToLocal", "train", 1, "go to the red ball"),
        observations={"rgb": np.zeros((5, 4, 6, 3), np.uint8)}, actions=actions, rewards=np.zeros(5, np.float32),
        terminated=np.zeros(5, bool), truncated=np.zeros(5, bool), success=np.zeros(5, bool),
    )
    table = steps_table([episode], features, "uniform", 0)
    action = next(f for f in features if f.name == "action")
    np.testing.assert_array_equal(feature_array(table.column("action"), action.dtype, action.shape), actions)
    stats = merge([shard_moments([episode], features)["action"]])
    assert len(stats["mean"]) == int(np.prod(space.shape))  # one figure per action element
