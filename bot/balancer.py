"""HAProxy (Debian's package) in front of the action servers and, scaled out, the Rasa servers.

**Action servers.** Rasa calls one action-server URL. Behind it HAProxy spreads the calls
over two action servers, checks their ``/health`` every second, and retries a call that
could not reach one (refused, reset, no answer) on the other: a killed action server costs
the member nothing, and the supervisor starts it again meanwhile.

**Rasa replicas** (``bot run --replicas N``). The chat's port is HAProxy's; behind it N
Rasa servers share the conversation store (PostgreSQL) and the conversation locks (Redis),
which is Rasa's own design for several servers: whichever replica gets a message locks its
conversation, reads it, answers, saves it. HAProxy takes a replica out while its
``/webhooks/rest/ready`` says it can't read or save conversations, and resends a message to
another replica only if it never reached the first (a turn that reached a replica may have
been saved there: sending it again would answer it twice).

Where HAProxy is not installed, ``bot run`` falls back to a single action server (and the
chat to the last known routing when it dies) and refuses ``--replicas``.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

#: The whole action request (tracker and domain) must fit HAProxy's buffer to be retried.
BUFFER_BYTES = 1024 * 1024
#: Action calls are answered from the store and change nothing there: any failure is retried.
RETRY_ANY = "conn-failure empty-response response-timeout 502 503 504"
#: A chat turn is retried on another replica only when it never reached the first.
RETRY_UNSENT = "conn-failure"


@dataclass(frozen=True)
class Pool:
    """Servers that answer the same requests, behind one port."""

    name: str
    port: int
    backends: tuple[int, ...]
    health_path: str
    retry_on: str
    #: Longest a server may take to answer (a chat turn includes the actions it runs).
    timeout_server: str = "30s"
    #: Tell the servers whom a request is from (the chat's budgets are per member address).
    forward_for: bool = False
    #: "never": each request on a new connection, so one that meets a dead server fails to
    #: connect (and is resent elsewhere) instead of dying on a reused one after being sent.
    http_reuse: str = "safe"
    #: How long a health check may take. A busy Rasa server answers its readiness check
    #: after the messages queued before it (over 1 s at 50 concurrent conversations): with
    #: a 1 s limit every replica was taken out at once under load, and all members got 503.
    #: A dead server is still seen at once (its port refuses the check).
    timeout_check: str = "1s"


def haproxy() -> str | None:
    """The HAProxy executable, if installed (``make run`` installs it)."""
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def actions_pool(port: int, backends: list[int]) -> Pool:
    return Pool("actions", port, tuple(backends), "/health", RETRY_ANY)


def rasa_pool(port: int, backends: list[int]) -> Pool:
    return Pool(
        "rasa",
        port,
        tuple(backends),
        "/webhooks/rest/ready",
        RETRY_UNSENT,
        "60s",
        forward_for=True,
        http_reuse="never",
        timeout_check="15s",
    )


def config(host: str, pools: list[Pool]) -> str:
    """An HAProxy configuration: each pool's port balanced over its servers."""
    sections = []
    for pool in pools:
        forward = "  option forwardfor\n" if pool.forward_for else ""
        servers = "\n".join(
            f"  server {pool.name}{i} {host}:{p} check"
            for i, p in enumerate(pool.backends, start=1)
        )
        sections.append(f"""frontend {pool.name}
  bind {host}:{pool.port}
  option http-buffer-request
{forward}  default_backend {pool.name}_servers

backend {pool.name}_servers
  balance roundrobin
  http-reuse {pool.http_reuse}
  timeout server {pool.timeout_server}
  timeout check {pool.timeout_check}
  retry-on {pool.retry_on}
  option httpchk GET {pool.health_path}
  default-server inter 1s fall 2 rise 1
{servers}
""")
    return f"""# Written by bot run (bot/balancer.py); regenerated on every start.
global
  maxconn 1024
  tune.bufsize {BUFFER_BYTES}

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 30s
  retries 3
  option redispatch 1

""" + "\n".join(sections)


def write_config(run_dir: Path, host: str, pools: list[Pool]) -> Path:
    path = run_dir / "balancer.cfg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config(host, pools))
    return path
