"""Release configs: the shipped ones validate; a bad one is one line naming what is wrong."""

from __future__ import annotations

import pytest

from sim2act.errors import Sim2ActError
from sim2act.release.config import SHIPPED_CONFIGS, load_release_config


@pytest.mark.parametrize("name", sorted(p.stem for p in SHIPPED_CONFIGS.glob("*.toml")))
def test_shipped_configs_validate(name):
    config = load_release_config(name)
    assert config.parts and all(part.levels for part in config.parts)


@pytest.mark.parametrize("body, message", [
    ("", "at least one \\[\\[parts\\]\\]"),
    ('[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["GoToLocal"]\nepisodes = 5\ncolour = 1\n',
     "unknown ReleasePart fields: colour"),
    ('[[parts]]\ndomain = "grid"\nloop = "nav3d-quick"\nlevels = ["GoToLocal"]\nepisodes = 5\n',
     "runs domain 'nav3d', not 'grid'"),
    ('[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["Nowhere"]\nepisodes = 5\n', "Nowhere"),
    ('[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["GoToLocal"]\nepisodes = 0\n', "episodes"),
    ('[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["GoToLocal"]\nepisodes = 5\nlabels = "all"\n', "labels"),
    ('[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["GoToLocal"]\nepisodes = 5\nlevel_episodes = { GoTo = 3 }\n',
     "level_episodes of grid: GoTo not in its levels"),
    ('formats = ["rlds"]\n[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["GoToLocal"]\nepisodes = 5\n',
     "unknown rlds"),
    (('[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["GoToLocal"]\nepisodes = 5\n'
      '[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["PickupLoc"]\nepisodes = 5\n'), "one part"),
    (('[[parts]]\ndomain = "grid"\nloop = "quick"\nlevels = ["GoToLocal"]\nepisodes = 5\n'
      '[parts.loop_overrides]\nrouns = 3\n'), "loop_overrides of grid: unknown LoopConfig fields: rouns"),
])
def test_bad_configs_are_one_line(tmp_path, body, message):
    path = tmp_path / "release.toml"
    path.write_text(body)
    with pytest.raises(Sim2ActError, match=message):
        load_release_config(path)


def test_a_missing_config_names_the_shipped_ones():
    with pytest.raises(Sim2ActError, match="shipped release configs: .*release"):
        load_release_config("nowhere")
