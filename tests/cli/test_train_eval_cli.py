"""``sim2act generate`` → ``train`` → ``eval`` as a user runs them, and their one-line user errors.

Each command is a fresh Python process (a few seconds of imports), so the module's fixture runs
generate and train once, then starts eval and every bad-input command at the same time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# One intra-op thread per subprocess: faster than two oversubscribed threads on a small shared machine.
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
TINY_POLICY = ["--d-model", "32", "--fusion-layers", "1", "--memory", "2", "--batch-size", "16", "--device", "cpu"]
TINY_TRAIN = ["--steps", "20", "--log-every", "10", *TINY_POLICY]


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim2act", *args]


def sim2act(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, env=ENV, timeout=300)


def run_together(commands: dict[str, list[str]]) -> dict[str, subprocess.CompletedProcess]:
    """Run several ``sim2act`` commands at once; their results by name."""
    started = {
        name: subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        for name, cmd in commands.items()
    }
    results = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=300)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return results


def assert_one_line_error(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def _edited_checkpoint(last: Path, folder: Path, n: int) -> Path:
    """A copy of ``last`` turned into a consistent policy of ``n`` actions (policy.json and weights agree)."""
    from safetensors.torch import load_file, save_file

    shutil.copytree(last, folder)
    meta = json.loads((folder / "policy.json").read_text())
    meta["spec"]["action_space"] = {**meta["spec"]["action_space"], "n": n, "names": list(range(n))}
    (folder / "policy.json").write_text(json.dumps(meta))
    state = load_file(str(folder / "model.safetensors"))
    state["head.linear.weight"] = state["head.linear.weight"][:n].contiguous()
    state["head.linear.bias"] = state["head.linear.bias"][:n].contiguous()
    state["action_embedding.mlp.0.weight"] = state["action_embedding.mlp.0.weight"][:, :n].contiguous()
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "1"})
    return folder


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    p = {"root": root, "data": root / "data", "run": root / "run", "eval_out": root / "eval"}
    p["generate"] = sim2act("generate", "--out", str(p["data"]), "--proposer", "expert", "--episodes", "8",
                            "--num-envs", "4", "--shard-episodes", "4")
    assert p["generate"].returncode == 0, p["generate"].stderr
    p["train"] = sim2act("train", "--data", str(p["data"]), "--out", str(p["run"]), *TINY_TRAIN)
    assert p["train"].returncode == 0, p["train"].stderr
    last = (p["run"] / "checkpoints" / "last").resolve()

    # Inputs of the bad-input cases.
    corrupt = shutil.copytree(p["run"], root / "corrupt-run", symlinks=True)
    p["corrupt_weights"] = corrupt / "checkpoints" / "last" / "model.safetensors"
    p["corrupt_weights"].write_bytes(p["corrupt_weights"].read_bytes()[:1000])
    five = _edited_checkpoint(last, root / "five-actions", 5)
    p["missing"] = root / "missing"

    out = lambda name: str(root / "out" / name)  # noqa: E731
    p.update(run_together({
        "eval": command("eval", "--checkpoint", str(p["run"]), "--out", str(p["eval_out"]), "--split", "val",
                        "--episodes", "4", "--num-envs", "2", "--gifs", "1"),
        "missing checkpoint": command("eval", "--checkpoint", str(p["missing"]), "--out", out("a"), "--episodes", "1"),
        "corrupt checkpoint": command("eval", "--checkpoint", str(corrupt), "--out", out("b"), "--episodes", "1"),
        "unknown split": command("eval", "--checkpoint", str(p["run"]), "--out", out("c"), "--split", "tset"),
        "action space": command("train", "--data", str(p["data"]), "--out", out("d"), "--init-policy", str(five), *TINY_TRAIN),
        "action head": command("train", "--data", str(p["data"]), "--out", out("e"), "--action-head", "pick_place", *TINY_TRAIN),
        "cool policy": command("generate", "--out", out("f"), "--proposer", "policy", "--policy", str(p["run"]),
                               "--policy-temperature", "0.5", "--retries", "1", "--episodes", "4", "--num-envs", "2"),
        "frozen policy": command("eval", "--checkpoint", str(p["run"]), "--out", out("g"), "--policy-temperature", "0"),
        "cool uniform": command("generate", "--out", out("h"), "--policy-temperature", "0.5", "--episodes", "4"),
        "negative retries": command("generate", "--out", out("i"), "--retries", "-1", "--episodes", "4"),
        "serve missing": command("serve", "--checkpoint", str(p["missing"])),
        "serve port": command("serve", "--checkpoint", str(p["run"]), "--port", "70000"),
    }))
    return p


def test_generate_train_eval_end_to_end(pipeline):
    for name in ("generate", "train", "eval"):
        result = pipeline[name]
        assert result.returncode == 0, f"{name}: {result.stderr}"
        assert "Traceback" not in result.stderr, name
    assert (pipeline["data"] / "meta").is_dir()
    run = pipeline["run"]
    assert "trained 20 steps" in pipeline["train"].stdout and "step-0000020" in pipeline["train"].stdout
    last = run / "checkpoints" / "last"
    assert last.is_symlink() and last.resolve().name == "step-0000020"
    for name in ("model.safetensors", "policy.json", "tokenizer.json", "optimizer.safetensors", "trainer_state.json"):
        assert (last / name).is_file(), name
    assert (run / "train_config.json").is_file() and list((run / "tensorboard").glob("events.out.tfevents*"))
    evaluation = pipeline["eval_out"]
    info = json.loads((evaluation / "eval_info.json").read_text())
    assert info["episodes"] == 4 and info["split"] == "val" and 0.0 <= info["overall"]["success_rate"] <= 1.0
    assert (evaluation / "eval.md").is_file() and len(list((evaluation / "gifs").glob("*.gif"))) == 1
    assert "eval_info.json" in pipeline["eval"].stdout


def test_a_policy_proposes_at_a_temperature_and_a_bad_one_is_refused(pipeline):
    assert pipeline["cool policy"].returncode == 0, pipeline["cool policy"].stderr
    card = json.loads((pipeline["root"] / "out" / "f" / "meta" / "info.json").read_text())
    assert [(run["config"]["policy_temperature"], run["config"]["retries"]) for run in card["runs"]] == [(0.5, 1)]
    assert_one_line_error(pipeline["frozen policy"], "--policy-temperature must be > 0, got 0.0")
    assert not (pipeline["root"] / "out" / "g").exists()
    assert_one_line_error(pipeline["cool uniform"], "proposer 'uniform' takes no option --policy-temperature")
    assert not (pipeline["root"] / "out" / "h" / "data").exists()
    assert_one_line_error(pipeline["negative retries"], "--retries must be at least 0, got -1")
    assert not (pipeline["root"] / "out" / "i" / "data").exists()


def test_missing_checkpoint(pipeline):
    assert_one_line_error(pipeline["missing checkpoint"], f"no checkpoint at {pipeline['missing']}")


def test_corrupt_checkpoint_names_the_file(pipeline):
    assert_one_line_error(pipeline["corrupt checkpoint"], "corrupt checkpoint file")
    assert "model.safetensors" in pipeline["corrupt checkpoint"].stderr


def test_unknown_split(pipeline):
    assert_one_line_error(pipeline["unknown split"], "unknown split 'tset'")


def test_dataset_whose_action_space_does_not_match_the_model(pipeline):
    result = pipeline["action space"]
    assert_one_line_error(result, "does not fit this policy: action space")
    assert "'n': 7" in result.stderr and "'n': 5" in result.stderr
    assert not list((pipeline["root"] / "out" / "d" / "checkpoints").glob("step-*"))


def test_a_pick_place_head_on_a_discrete_dataset(pipeline):
    assert_one_line_error(pipeline["action head"], "action head 'pick_place' needs a MultiDiscrete([N, N]) action space")
    assert not list((pipeline["root"] / "out" / "e" / "checkpoints").glob("step-*"))


def test_serve_names_a_missing_checkpoint_or_a_bad_port_in_one_line(pipeline):
    assert_one_line_error(pipeline["serve missing"], f"no checkpoint at {pipeline['missing']}")
    assert_one_line_error(pipeline["serve port"], "need a port in 0..65535")


def test_serve_answers_a_client_and_stops_on_ctrl_c(pipeline):
    import re
    import signal

    import numpy as np

    from sim2act.client import PolicyClient
    from sim2act.envs import make

    # A runner started in the background of a non-interactive shell ignores SIGINT, and children inherit that:
    # give the server Ctrl-C's default disposition, as a terminal would.
    server = subprocess.Popen(command("serve", "--checkpoint", str(pipeline["run"]), "--port", "0"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**ENV, "COLUMNS": "200"},
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = server.stdout.readline()
        port = re.search(r"ws://127\.0\.0\.1:(\d+)", line)
        assert port, line + server.stderr.read()
        env = make("grid", "GoToLocal")
        observation, _ = env.reset(seed=0)
        env.close()
        with PolicyClient(f"ws://127.0.0.1:{port.group(1)}") as client:
            assert 0 <= int(client.act(observation)) < 7 and np.asarray(client.act(observation)).shape == ()
        taken = sim2act("serve", "--checkpoint", str(pipeline["run"]), "--port", port.group(1))
        assert_one_line_error(taken, f"cannot serve on 127.0.0.1:{port.group(1)}")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            stdout, stderr = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()  # never leave a server behind, even when it failed to stop
            raise
    assert server.returncode == 0 and "stopped" in stdout and "Traceback" not in stderr, stderr

