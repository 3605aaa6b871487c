"""parse_instruction: BabyAI grammar strings back into BabyAI's instruction objects."""

import pytest
from minigrid.envs.babyai.core.verifier import GoToInstr, PutNextInstr, SeqInstr

import sim2act.envs
from sim2act.envs.grid.instructions import parse_instruction
from sim2act.errors import Sim2ActError


def structure(instr):
    """A comparable tree of an instruction object: classes and (type, colour, location) of each description."""
    if isinstance(instr, SeqInstr):
        return (type(instr).__name__, structure(instr.instr_a), structure(instr.instr_b))
    descs = (instr.desc_move, instr.desc_fixed) if isinstance(instr, PutNextInstr) else (instr.desc,)
    return (type(instr).__name__, *((d.type, d.color, d.loc) for d in descs))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("go to the red ball", ("GoToInstr", ("ball", "red", None))),
        ("go to a door on your left", ("GoToInstr", ("door", None, "left"))),
        ("pick up a key", ("PickupInstr", ("key", None, None))),
        ("pick up the grey object behind you", ("PickupInstr", (None, "grey", "behind"))),
        ("open the blue door", ("OpenInstr", ("door", "blue", None))),
        ("open a door in front of you", ("OpenInstr", ("door", None, "front"))),
        ("put the red ball next to a green box", ("PutNextInstr", ("ball", "red", None), ("box", "green", None))),
        (
            "put a key on your right next to the purple door",
            ("PutNextInstr", ("key", None, "right"), ("door", "purple", None)),
        ),
        (
            "go to a box and open the yellow door",
            ("AndInstr", ("GoToInstr", ("box", None, None)), ("OpenInstr", ("door", "yellow", None))),
        ),
        (
            "pick up a ball and go to a key, then put a box next to the red door",
            (
                "BeforeInstr",
                ("AndInstr", ("PickupInstr", ("ball", None, None)), ("GoToInstr", ("key", None, None))),
                ("PutNextInstr", ("box", None, None), ("door", "red", None)),
            ),
        ),
        (
            "open a door after you pick up the green key",
            ("AfterInstr", ("OpenInstr", ("door", None, None)), ("PickupInstr", ("key", "green", None))),
        ),
        ("  Go  To The Red Ball ", ("GoToInstr", ("ball", "red", None))),
    ],
)
def test_literal_instructions(text, expected):
    assert structure(parse_instruction(text)) == expected


@pytest.mark.parametrize(
    "level", ["GoToLocal", "PickupLoc", "PutNextLocal", "GoTo", "Open", "GoToSeq", "SynthSeq", "BossLevel"]
)
def test_round_trips_babyai_generated_missions(level):
    env = sim2act.envs.make("grid", level)
    for seed in range(40):
        _, info = env.reset(seed=seed)
        assert structure(parse_instruction(info["instruction"])) == structure(env.level_env.instrs), info["instruction"]


def test_descriptions_resolve_to_the_levels_objects():
    """Attached to a level, a parsed instruction's descriptions find the objects BabyAI's own would."""
    env = sim2act.envs.make("grid", "GoToLocal")
    env.reset(seed=0)
    level = env.level_env
    target = next(obj for obj in level.grid.grid if obj is not None and obj.type in ("ball", "box", "key"))
    instr = parse_instruction(f"go to the {target.color} {target.type}")
    instr.reset_verifier(level)
    assert isinstance(instr, GoToInstr) and target in instr.desc.obj_set
    assert tuple(target.cur_pos) in {tuple(p) for p in instr.desc.obj_poss}
    own = parse_instruction(level.mission)
    own.reset_verifier(level)
    assert own.desc.obj_set == level.instrs.desc.obj_set


@pytest.mark.parametrize(
    "text, reason",
    [
        ("dance", "cannot parse 'dance'"),
        ("go to the red", "cannot parse"),
        ("open the red ball", "only doors can be opened"),
        ("pick up the blue door", "doors cannot be picked up"),
        ("put the red door next to a ball", "doors cannot be moved"),
        ("go to the magenta ball", "cannot parse"),
        ("go to the red ball, then", "cannot parse"),
    ],
)
def test_text_outside_the_grammar_is_a_one_line_error(text, reason):
    with pytest.raises(Sim2ActError, match=f"not a BabyAI instruction: {text!r}.*{reason}") as error:
        parse_instruction(text)
    assert "\n" not in str(error.value)
