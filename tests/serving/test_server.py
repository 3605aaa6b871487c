"""``sim2act serve`` for real over loopback: the handshake, parity with in-process evaluation, and bad input."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from sim2act.client import PolicyClient, PolicyServerError
from sim2act.envs import make
from sim2act.evaluation import evaluate_proposer
from sim2act.models import PolicyConfig, load_policy
from sim2act.proposers.policy import PolicyProposer
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.serving import PolicyHost, PolicyServer, ServeConfig
from sim2act.serving.codec import pack, unpack
from sim2act.tasks.sampler import TaskSampler
from sim2act.training import TrainConfig, resolve_policy_folder, train


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    generate(GenerateConfig(proposer="expert", episodes=24, num_envs=4, shard_episodes=8), root / "data")
    config = TrainConfig(data=str(root / "data"), policy=PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2),
                         steps=60, batch_size=32, log_every=60, device="cpu")
    train(config, root / "run")
    return resolve_policy_folder(root / "run")


@pytest.fixture(scope="module")
def server(checkpoint):
    with PolicyServer(PolicyHost(checkpoint, greedy=True), ServeConfig(port=0, max_message_bytes=256 * 1024)).running() as s:
        yield s


def _url(server) -> str:
    return f"ws://127.0.0.1:{server.port}"


def _frame(server) -> dict:
    env = make("grid", "GoToLocal")
    observation, _ = env.reset(seed=0)
    env.close()
    return observation


def test_the_handshake_tells_the_robot_what_to_send_and_what_it_gets(server):
    with PolicyClient(_url(server)) as client:
        meta = client.metadata
    assert meta["type"] == "metadata" and meta["domain"] == "grid" and meta["greedy"] is True
    assert meta["policy_temperature"] == 1.0
    assert meta["action_space"] == {"type": "discrete", "n": 7, "start": 0}
    assert meta["required_observations"] == ["proprio", "rgb"] and meta["observation_space"]["spaces"]["rgb"]["dtype"] == "uint8"
    assert "red" in meta["instruction_vocabulary"] and meta["control_hz"] == 10 and meta["action_horizon"] == 1
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=10) as response:
        health = json.loads(response.read())
    assert response.status == 200 and health["status"] == "ok" and health["domain"] == "grid"


def test_a_client_driving_envs_over_loopback_matches_in_process_evaluation(server, checkpoint):
    episodes, seed = 6, 3
    report, recorded = evaluate_proposer(PolicyProposer(load_policy(checkpoint), greedy=True), "grid", ["GoToLocal"], "val",
                                         episodes, seed=seed, num_envs=1)
    sampler = TaskSampler("grid", "GoToLocal", "val", seed)
    env = make("grid", "GoToLocal")
    successes, lengths = [], []
    with PolicyClient(_url(server)) as client:
        for index in range(episodes):
            _, observation, _ = sampler.reset(env, index)
            client.reset()
            done, steps, success = False, 0, False
            while not done:
                observation, _, terminated, truncated, info = env.step(int(client.act(observation)))
                done, steps, success = terminated or truncated, steps + 1, bool(info.get("success", False))
            successes.append(success)
            lengths.append(steps)
    env.close()
    recorded = sorted(recorded, key=lambda e: e.episode_id)
    assert successes == [e.succeeded for e in recorded] and lengths == [len(e) for e in recorded]
    assert sum(successes) / episodes == report.overall.success_rate


GOAL = "go to the red ball"
BAD_REQUESTS = [
    (lambda f: {"type": "jump"}, "unknown request type 'jump'"),
    (lambda f: {"type": "act", "instruction": GOAL, "observation": {}, "extra": 1}, "unknown field(s) extra"),
    (lambda f: {"type": "act", "instruction": GOAL, "observation": {}}, "missing observation field(s) proprio, rgb"),
    (lambda f: {"type": "act", "instruction": "", "observation": {}}, "instruction must be a non-empty string"),
    (lambda f: {"type": "act", "instruction": GOAL, "observation": {"proprio": f["proprio"], "rgb": np.zeros((8, 8, 3), np.uint8)}},
     "observation 'rgb' has shape (8, 8, 3)"),
    (lambda f: {"type": "act", "instruction": GOAL, "observation": {"proprio": f["proprio"], "rgb": f["rgb"].astype(np.float64)}},
     "observation 'rgb' has dtype float64"),
    (lambda f: {"type": "act", "instruction": GOAL, "observation": {**f, "lidar": np.zeros(3, np.float32)}},
     "unknown observation field(s) lidar"),
    (lambda f: {"type": "act", "instruction": GOAL, "observation": {"proprio": f["proprio"], "rgb": "pixels"}},
     "observation 'rgb' must be an array"),
]


@pytest.mark.parametrize("build, reason", BAD_REQUESTS)
def test_a_malformed_request_gets_one_line_and_the_connection_stays_usable(server, build, reason):
    frame = _frame(server)
    arrays = {k: v for k, v in frame.items() if k != "instruction"}
    with connect(_url(server)) as ws:
        unpack(ws.recv(timeout=30))  # the metadata
        ws.send(pack(build(arrays)))
        reply = unpack(ws.recv(timeout=30))
        assert reply["type"] == "error" and "\n" not in reply["message"]
        assert reason in reply["message"], reply["message"]
        ws.send(pack({"type": "act", "id": 2, "observation": arrays, "instruction": frame["instruction"]}))
        assert unpack(ws.recv(timeout=30))["type"] == "action"


def test_text_frames_and_garbage_bytes_are_refused_in_one_line(server):
    with connect(_url(server)) as ws:
        unpack(ws.recv(timeout=30))
        ws.send("hello")
        assert "binary msgpack frames" in unpack(ws.recv(timeout=30))["message"]
        ws.send(b"\xc1\xc1\xc1")
        assert "not a msgpack message" in unpack(ws.recv(timeout=30))["message"]


def test_an_oversized_frame_closes_that_connection_only(server):
    frame = _frame(server)
    with PolicyClient(_url(server)) as other:
        with connect(_url(server)) as ws:
            unpack(ws.recv(timeout=30))
            ws.send(pack({"type": "act", "observation": {"rgb": np.zeros((400, 400, 3), np.uint8)}, "instruction": "x"}))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=30)
            assert closed.value.rcvd.code == 1009
        assert other.act(frame).shape == ()  # the other robot is still served
    with PolicyClient(_url(server), retries=1) as client:
        with pytest.raises(PolicyServerError, match="over its size limit"):
            client.act({"rgb": np.zeros((400, 400, 3), np.uint8), "proprio": np.zeros(3, np.float32)}, GOAL)


def test_a_client_that_leaves_mid_request_does_not_stop_the_server(server):
    frame = _frame(server)
    with connect(_url(server)) as ws:
        unpack(ws.recv(timeout=30))
        ws.send(pack({"type": "act", "id": 1, "observation": {"rgb": frame["rgb"], "proprio": frame["proprio"]},
                  "instruction": frame["instruction"]}))
    with PolicyClient(_url(server)) as client:
        assert client.act(frame).shape == ()


def test_a_lost_connection_is_reopened_and_the_request_sent_again(server):
    frame = _frame(server)
    with PolicyClient(_url(server)) as client:
        first = client.act(frame)
        client._connection.close()  # the network drops it
        client.reset()
        assert client.act(frame) == first and client.reconnects == 1


def test_with_a_token_only_clients_that_send_it_get_in(checkpoint):
    frame = _frame(None)
    config = ServeConfig(port=0, token="s3cret")
    with PolicyServer(PolicyHost(checkpoint, greedy=True), config).running() as secured:
        url = _url(secured)
        for token in (None, "wrong"):
            with pytest.raises(PolicyServerError, match="HTTP 401"):
                PolicyClient(url, token=token)
        with PolicyClient(url, token="s3cret") as client:
            assert client.act(frame).shape == ()
        with urllib.request.urlopen(f"http://127.0.0.1:{secured.port}/healthz", timeout=10) as response:
            assert response.status == 200


def test_nothing_listening_is_one_clear_error():
    with pytest.raises(PolicyServerError, match="cannot reach a policy server at ws://127.0.0.1:9"):
        PolicyClient("ws://127.0.0.1:9", timeout=2)
