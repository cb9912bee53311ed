"""``python -m bot.rasa_launch run …``: ``rasa`` with its API token kept off the command line.

Rasa 3.6 takes the HTTP API token only as ``--auth-token`` on its command line, where every
user of the machine can read it (``ps``, ``/proc/PID/cmdline``). This launcher reads the
token from ``BOT_RASA_TOKEN`` (the environment is readable by the process owner only) and
hands it to Rasa's own argument parser inside this process; ``/proc/PID/cmdline`` keeps
the argv the process was started with, which has no token in it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

TOKEN_ENV = "BOT_RASA_TOKEN"


def rasa_argv(argv: Sequence[str], token: str | None) -> list[str]:
    """Rasa's argv: ``argv`` plus the token. A token given on the command line is refused."""
    if any(a == "-t" or a.startswith("--auth") for a in argv):
        raise SystemExit(
            f"bot.rasa_launch: give the API token in ${TOKEN_ENV}, never on the command line"
        )
    # One argument, "--auth-token=…": a token that starts with "-" must not read as a flag.
    return ["rasa", *argv, *([f"--auth-token={token}"] if token else [])]


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    token = os.environ.get(TOKEN_ENV, "").strip() or None
    sys.argv = rasa_argv(args, token)  # in-process only: not what `ps` shows

    from rasa.__main__ import main as rasa_main

    from bot import rasa_speedups

    rasa_speedups.install()

    rasa_main()


if __name__ == "__main__":
    main()
