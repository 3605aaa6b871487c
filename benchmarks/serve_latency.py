"""Round-trip latency of ``sim2act serve`` over loopback, and its throughput with concurrent clients.

    python benchmarks/serve_latency.py --checkpoint CKPT [--requests 1000] [--clients 4] [--out runs/serve-latency.json]

One process serves CKPT (``PolicyServer`` on a background thread, as ``sim2act serve`` runs it) and sends
it real observations (the checkpoint's own env, reset to successive seeds; a tabletop policy: 64×64 RGB-D
plus proprio). It reports, in one run: the policy's forward pass in process (the floor), the round trip of
one client (p50, p99, mean over ``--requests``), and requests/s with ``--clients`` clients at once.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

import numpy as np

from sim2act.client import PolicyClient
from sim2act.envs import make
from sim2act.serving import PolicyHost, PolicyServer, ServeConfig


def observations(host: PolicyHost, count: int) -> list[dict]:
    env = make(host.spec.domain, host.spec.levels[0] if host.spec.levels else None, **host.spec.env_options)
    frames = [env.reset(seed=seed)[0] for seed in range(count)]
    env.close()
    return frames


def percentiles(milliseconds: list[float]) -> dict[str, float]:
    values = np.asarray(milliseconds)
    return {"p50_ms": float(np.percentile(values, 50)), "p99_ms": float(np.percentile(values, 99)),
            "mean_ms": float(values.mean()), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("runs/serve-latency.json"))
    args = parser.parse_args()

    host = PolicyHost(args.checkpoint)
    frames = observations(host, 20)
    slot = 10**6  # this measurement's own, beside the server's clients (numbered from 0)
    host.reset(slot)
    fields = [{key: frame[key] for key in host.required} for frame in frames]
    for i in range(3):  # warm-up
        host.act(slot, fields[i], frames[i]["instruction"])
    forward = []
    for i in range(200):
        started = time.perf_counter()
        host.act(slot, fields[i % len(frames)], frames[i % len(frames)]["instruction"])
        forward.append((time.perf_counter() - started) * 1e3)
    sizes = {key: int(np.asarray(value).nbytes) for key, value in frames[0].items() if key in host.required}

    with PolicyServer(host, ServeConfig(port=0)).running() as server:
        url = f"ws://127.0.0.1:{server.port}"
        with PolicyClient(url) as client:
            for frame in frames[:5]:
                client.act(frame)
            round_trips = []
            for i in range(args.requests):
                frame = frames[i % len(frames)]
                started = time.perf_counter()
                client.act(frame)
                round_trips.append((time.perf_counter() - started) * 1e3)

        done = [0] * args.clients

        def drive(k: int, until: float) -> None:
            with PolicyClient(url) as own:
                while time.perf_counter() < until:
                    own.act(frames[(k + done[k]) % len(frames)])
                    done[k] += 1

        seconds = 20.0
        until = time.perf_counter() + seconds
        threads = [threading.Thread(target=drive, args=(k, until)) for k in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    result = {
        "checkpoint": args.checkpoint, "domain": host.spec.domain, "observation_bytes": sizes,
        "forward_in_process": percentiles(forward), "round_trip_one_client": percentiles(round_trips),
        "concurrent": {"clients": args.clients, "seconds": seconds, "requests": sum(done),
                       "requests_per_second": sum(done) / seconds},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    one, floor = result["round_trip_one_client"], result["forward_in_process"]
    print(f"forward in process: p50 {floor['p50_ms']:.2f} ms, p99 {floor['p99_ms']:.2f} ms (n = {floor['n']})")
    print(f"round trip, one client: p50 {one['p50_ms']:.2f} ms, p99 {one['p99_ms']:.2f} ms (n = {one['n']})")
    print(f"{args.clients} clients: {result['concurrent']['requests_per_second']:.0f} requests/s over {seconds:.0f} s")
    print(f"→ {args.out}")


if __name__ == "__main__":
    main()
