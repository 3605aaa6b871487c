"""A tiny release end to end: a loop, two levels rolled out by its proposer, exports, cards; resumed and refused."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from sim2act.data.export.lerobot_format import validate_lerobot
from sim2act.data.hub_card import README
from sim2act.data.reader import load_episodes, load_steps
from sim2act.errors import Sim2ActError
from sim2act.release import ReleaseFolder, build_release, load_release_config


@pytest.fixture
def release(tiny_release):
    out, config, state = tiny_release
    return out, load_release_config(config), state


def test_every_level_is_rolled_out_by_the_loops_proposer_and_labelled(release):
    out, _, state = release
    folder = ReleaseFolder(out)
    assert set(state["levels"]) == {"grid/GoToLocal", "grid/PickupLoc"}
    loop = state["loops"]["grid"]
    for record in state["levels"].values():
        dataset = folder.dataset(record["domain"], record["level"])
        episodes = load_episodes(dataset)
        assert record["counts"]["rollouts"] == {"GoToLocal": 12, "PickupLoc": 8}[record["level"]]
        assert episodes.num_rows == record["counts"]["episodes"]
        assert set(episodes["proposer"].to_pylist()) <= {"mixture(policy,0.9)"}
        assert set(episodes["label"].to_pylist()) <= {"success", "hindsight"} and all(episodes["success"].to_pylist())
        assert set(episodes["level"].to_pylist()) == {record["level"]} and set(episodes["split"].to_pylist()) == {"train"}
        run = json.loads((dataset / "meta" / "info.json").read_text())["runs"][0]["config"]
        assert run["policy"] == loop["checkpoint"] and run["seed"] == 3
        assert (dataset / README).is_file() and record["bytes"] > 0
        assert set(record["seconds"]) == {"generate", "lerobot", "minari"} and min(record["seconds"].values()) > 0


def test_each_level_is_exported_to_lerobot_and_minari(release, monkeypatch):
    minari = pytest.importorskip("minari")
    out, _, state = release
    for record in state["levels"].values():
        lerobot = out / record["exports"]["lerobot"]["path"]
        assert validate_lerobot(lerobot) == []
        monkeypatch.setenv("MINARI_DATASETS_PATH", str(out / "minari"))
        dataset = minari.load_dataset(record["exports"]["minari"]["dataset_id"])
        assert dataset.total_steps == record["counts"]["steps"]


def test_the_corpus_card_names_every_level_as_a_config_that_loads(release, tmp_path):
    datasets = pytest.importorskip("datasets")
    out, _, state = release
    text = (out / README).read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert [c["config_name"] for c in front["configs"]] == ["grid-GoToLocal", "grid-PickupLoc"]
    triplets = sum(r["counts"]["steps"] for r in state["levels"].values())
    assert f"| triplets (kept steps) | {triplets:,} |" in text and "## The loops that trained the proposers" in text
    steps = datasets.load_dataset(str(out), "grid-PickupLoc", split="train", cache_dir=str(tmp_path))
    assert steps.num_rows == load_steps(ReleaseFolder(out).dataset("grid", "PickupLoc")).num_rows


def test_a_release_stopped_before_an_export_continues_without_redoing_the_rest(release):
    out, config, state = release
    folder = ReleaseFolder(out)
    data_files = sorted((folder.dataset("grid", "GoToLocal") / "data").iterdir())
    before = {p: p.read_bytes() for p in data_files}
    lerobot_info = folder.export("grid", "GoToLocal", "lerobot") / "meta" / "info.json"
    stamp = lerobot_info.stat().st_mtime_ns
    dropped = dict(state)  # as if killed while exporting PickupLoc to Minari
    dropped["levels"]["grid/PickupLoc"]["exports"].pop("minari")
    shutil.rmtree(out / "minari" / "sim2act" / "grid-pickuploc")
    (out / "release.json").write_text(json.dumps(dropped))
    again = build_release(config, out)
    assert "minari" in again["levels"]["grid/PickupLoc"]["exports"]
    assert (out / "minari" / "sim2act" / "grid-pickuploc").is_dir()
    assert {p: p.read_bytes() for p in data_files} == before and lerobot_info.stat().st_mtime_ns == stamp
    assert again["levels"]["grid/GoToLocal"]["counts"] == state["levels"]["grid/GoToLocal"]["counts"]


def test_another_config_or_a_foreign_folder_is_refused(release, tmp_path):
    out, config, _ = release
    other = type(config)(**{**vars(config), "seed": 4})
    with pytest.raises(Sim2ActError, match="holds a release of another config"):
        build_release(other, out)
    (tmp_path / "mine.txt").write_text("mine")
    with pytest.raises(Sim2ActError, match="is not empty and holds no release"):
        build_release(config, tmp_path)


def test_the_estimate_times_each_domain_by_its_own_levels_and_names_the_untimed():
    from sim2act.release.build import _eta

    config = load_release_config("release")
    grid = config.parts[0]
    state = {"levels": {f"grid/{grid.levels[0]}": {"bytes": 1, "seconds": {"generate": 600.0},
                                                   "counts": {"rollouts": 60_000}}}}
    left = sum(grid.episodes_of(level) for level in grid.levels[1:])
    expected = f"about {0.01 * left / 60:,.0f} min"
    later = [part.domain for part in config.parts[1:]]
    assert _eta(state, config) == f" (levels left: {expected} at each domain's rate so far, plus {', '.join(later)} not yet timed)"
    assert _eta({"levels": {}}, config) == f" (levels left: {', '.join(p.domain for p in config.parts)} not yet timed)"
