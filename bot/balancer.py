"""HAProxy (Debian's package) in front of two action servers, so one can die unnoticed.

Rasa calls one action-server URL. Behind it HAProxy spreads the calls over two action
servers, checks their ``/health`` every second, and retries a call that could not reach one
(refused, reset, no answer) on the other: a killed action server costs the member nothing,
and the supervisor starts it again meanwhile. Where HAProxy is not installed, ``bot run``
falls back to a single action server (and the chat to the last known routing when it dies).
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

#: The whole action request (tracker and domain) must fit HAProxy's buffer to be retried.
BUFFER_BYTES = 1024 * 1024


def haproxy() -> str | None:
    """The HAProxy executable, if installed (``make run`` installs it)."""
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def config(host: str, port: int, backends: list[int]) -> str:
    """An HAProxy configuration: ``host:port`` balanced over the action servers' ports."""
    servers = "\n".join(
        f"  server actions{i} {host}:{p} check" for i, p in enumerate(backends, start=1)
    )
    return f"""# Written by bot run (bot/balancer.py); regenerated on every start.
global
  maxconn 256
  tune.bufsize {BUFFER_BYTES}

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 30s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 502 503 504

frontend actions
  bind {host}:{port}
  option http-buffer-request
  default_backend action_servers

backend action_servers
  balance roundrobin
  option httpchk GET /health
  default-server inter 1s fall 2 rise 1
{servers}
"""


def write_config(run_dir: Path, host: str, port: int, backends: list[int]) -> Path:
    path = run_dir / "balancer.cfg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config(host, port, backends))
    return path
