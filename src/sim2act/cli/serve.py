"""``sim2act serve``: a trained policy behind a WebSocket for a robot to call (``sim2act.client.PolicyClient``)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from sim2act.cli.console import make_console
from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.errors import Sim2ActError

D_HOST, D_PORT, D_MAX = "127.0.0.1", 8000, 8 * 2**20


@user_errors_exit_cleanly
def serve_command(
    checkpoint: Annotated[Path, typer.Option(help="Policy checkpoint folder or training run folder.")],
    host: Annotated[str, typer.Option(help="Interface to bind; loopback unless told otherwise.")] = D_HOST,
    port: Annotated[int, typer.Option(help="TCP port (0: any free one).")] = D_PORT,
    token: Annotated[str | None, typer.Option(help="Shared secret; clients send 'Authorization: Bearer TOKEN'.")] = None,
    max_message_bytes: Annotated[int, typer.Option(help="Largest frame accepted; a larger one closes that connection.")] = D_MAX,
    greedy: Annotated[bool, typer.Option("--greedy/--sample", help="Most likely action, or sample from the policy (as sim2act eval).")] = False,
    policy_temperature: Annotated[float, typer.Option(help="Temperature actions are sampled at (as sim2act eval).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of action sampling (per connection).")] = 0,
) -> None:
    """Serve CHECKPOINT: metadata on connect, one action per observation, /healthz; Ctrl-C stops it."""
    from sim2act.serving import PolicyHost, PolicyServer, ServeConfig

    if not 0 <= port <= 65535 or max_message_bytes < 1024:
        raise Sim2ActError(f"need a port in 0..65535 and --max-message-bytes >= 1024, got {port} and {max_message_bytes}")
    console = make_console()
    policy = PolicyHost(checkpoint, greedy=greedy, seed=seed, temperature=policy_temperature)
    server = PolicyServer(policy, ServeConfig(host=host, port=port, token=token, max_message_bytes=max_message_bytes))
    if not _loopback(host) and token is None:
        console.print(f"[yellow]warning:[/] serving on {host} without --token: anyone who reaches this port can drive the policy")

    def announce(port: int) -> None:
        console.print(f"serving {policy.metadata['domain']} policy {checkpoint} on ws://{host}:{port} "
                      f"(health: http://{host}:{port}/healthz); Ctrl-C stops")

    try:
        server.run(announce)
    except OSError as error:
        raise Sim2ActError(f"cannot serve on {host}:{port}: {error.strerror or error}") from None
    except KeyboardInterrupt:
        console.print("stopped")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
