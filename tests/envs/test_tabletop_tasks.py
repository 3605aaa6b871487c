"""Tabletop levels, language, verifier, captions, expert and replay."""

import numpy as np
import pytest

import sim2act.envs
from sim2act import features as F
from sim2act.envs.tabletop import language as L
from sim2act.envs.tabletop.captions import tabletop_captions
from sim2act.envs.tabletop.expert import TabletopExpert
from sim2act.envs.tabletop.levels import LEVELS, NAMED_LEVELS, relation_cell, sample_layout
from sim2act.envs.replay import replay_verdicts
from sim2act.envs.tabletop.workspace import CELLS, MAX_BLOCKS, MAX_BOWLS, chebyshev
from sim2act.tasks import TaskSampler, names_held_out

EVAL_ONLY = set(L.EVAL_COLORS) - set(L.TRAIN_COLORS)


@pytest.mark.parametrize("level", NAMED_LEVELS)
def test_layouts_leave_room_for_the_fingers_and_name_the_levels_colours(level):
    for seed in range(40):
        layout = sample_layout(level, np.random.default_rng(seed))
        cells = [b.cell for b in layout.blocks] + [b.cell for b in layout.bowls]
        assert all(0 <= c < CELLS for c in cells)
        assert all(chebyshev(a, b) >= 2 for i, a in enumerate(cells) for b in cells[i + 1 :])
        assert len({b.color for b in layout.blocks}) == len(layout.blocks)
        named = {c for c, _ in L.compositions(layout.instruction)}
        assert named and named <= set(LEVELS[level].colors) and named <= {b.color for b in layout.blocks} | {
            b.color for b in layout.bowls}


def test_place_relative_keeps_the_target_cell_free():
    for seed in range(40):
        layout = sample_layout("place-relative", np.random.default_rng(seed))
        direction = next(d for d in L.DIRECTIONS if f" {d} the " in layout.instruction)
        target = relation_cell(layout.bowls[0].cell, direction)
        assert all(chebyshev(target, b.cell) >= 2 for b in layout.blocks + layout.bowls)


def test_held_out_pairs_keep_every_colour_and_object_in_training():
    colours = {c for c, _ in L.HELD_OUT_PAIRS}
    for colour in colours:
        assert any((colour, o) not in L.HELD_OUT_PAIRS for o in L.OBJECTS)
    for obj in L.OBJECTS:
        assert any((c, obj) not in L.HELD_OUT_PAIRS for c in L.TRAIN_COLORS)


def test_unseen_composition_split_names_a_held_out_pair_and_train_never_does():
    env = sim2act.envs.make("tabletop", "put-in-bowl")
    held = TaskSampler("tabletop", "put-in-bowl", "test_unseen_composition", seed=0)
    train = TaskSampler("tabletop", "put-in-bowl", "train", seed=0)
    for i in range(5):
        assert names_held_out("tabletop", held.reset(env, i)[0].instruction)
        assert not names_held_out("tabletop", train.reset(env, i)[0].instruction)


def test_the_unseen_colour_variant_names_evaluation_colours_and_seen_levels_never_do():
    seen = [sample_layout("put-in-bowl", np.random.default_rng(s)).instruction for s in range(60)]
    unseen = [sample_layout("put-in-bowl-unseen-colors", np.random.default_rng(s)).instruction for s in range(60)]
    assert not any(set(i.split()) & EVAL_ONLY for i in seen)
    assert any(set(i.split()) & EVAL_ONLY for i in unseen)
    assert "put-in-bowl-unseen-colors" in sim2act.envs.get_domain("tabletop").levels.variants("put-in-bowl")


def test_the_distractor_variant_fills_the_table_past_anything_training_shows():
    trained = [sample_layout("put-in-bowl", np.random.default_rng(s)) for s in range(200)]
    crowded = [sample_layout("put-in-bowl-distractors", np.random.default_rng(s)) for s in range(60)]
    most = max(len(t.blocks) + len(t.bowls) for t in trained)
    assert all((len(c.blocks), len(c.bowls)) == (MAX_BLOCKS, MAX_BOWLS) for c in crowded)
    assert most < MAX_BLOCKS + MAX_BOWLS
    assert L.instruction_type(crowded[0].instruction) == "put in bowl"


def test_the_randomized_variant_randomises_scenes_without_the_env_option():
    plain = sim2act.envs.make("tabletop", "put-in-bowl")
    randomized = sim2act.envs.make("tabletop", "put-in-bowl-randomized")
    assert not plain.unwrapped.randomize and randomized.unwrapped.randomize
    first, _ = plain.reset(seed=3)
    second, _ = randomized.reset(seed=3)
    assert plain.unwrapped.layout.instruction == randomized.unwrapped.layout.instruction
    assert not np.array_equal(first["rgb"], second["rgb"])
    assert set(sim2act.envs.get_domain("tabletop").levels.variants("put-in-bowl")) == {
        "put-in-bowl-unseen-colors", "put-in-bowl-distractors", "put-in-bowl-randomized"}
    plain.close()
    randomized.close()


@pytest.mark.parametrize("level", NAMED_LEVELS)
def test_the_expert_solves_every_level_in_pick_place(level):
    env = sim2act.envs.make("tabletop", level)
    for seed in range(2):
        env.reset(seed=seed)
        expert, info, done = TabletopExpert(env), {}, False
        while not done:
            _, _, terminated, truncated, info = env.step(expert.act(None))
            done = terminated or truncated
        assert info[F.INFO_SUCCESS], (level, seed, info)
        # hindsight never names an object in a colour the level does not name
        assert not any(set(a.split()) & (set(L.ALL_COLORS) - set(LEVELS[level].colors)) for a in info[F.INFO_ACHIEVED])
    env.close()


def test_the_expert_lifts_a_block_in_ee_delta_mode():
    env = sim2act.envs.make("tabletop", "pick", action_mode="ee_delta")
    env.reset(seed=0)
    expert, last, done, info = TabletopExpert(env), None, False, {}
    while not done:
        last = expert.act(last)
        _, _, terminated, truncated, info = env.step(last)
        done = terminated or truncated
    assert info[F.INFO_SUCCESS] and info[F.INFO_INSTRUCTION] in info[F.INFO_ACHIEVED]


def test_captions_are_true_now_exactly_when_the_verifier_says_so():
    env = sim2act.envs.make("tabletop", "put-in-bowl")
    env.reset(seed=0)
    before = {c.text: c.steps for c in tabletop_captions(env)}
    assert before[env.unwrapped.layout.instruction] == 1
    env.step(TabletopExpert(env).act(None))
    after = {c.text: c.steps for c in tabletop_captions(env)}
    assert after[env.unwrapped.layout.instruction] == 0
    assert {t for t, s in after.items() if s == 0} <= env.unwrapped.facts()
    assert all(c.mention for c in tabletop_captions(env))


def test_replay_judges_a_stored_episode_under_its_sub_goals():
    env = sim2act.envs.make("tabletop", "tower")
    env.reset(seed=1)
    instruction = env.unwrapped.layout.instruction
    expert, actions, done = TabletopExpert(env), [], False
    while not done:
        actions.append(expert.act(None))
        *_, terminated, truncated, _ = env.step(actions[-1])
        done = terminated or truncated
    replay = sim2act.envs.make("tabletop", "tower")
    first = L.subgoals(instruction)[0]
    verdicts = [v for _, v in replay_verdicts(replay, 1, first, actions)]
    assert verdicts[0] == "success"  # the first sub-goal is done by the first primitive
    assert [v for _, v in replay_verdicts(replay, 1, instruction, actions)][-1] == "success"
