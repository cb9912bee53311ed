"""The chat's last known routing follows the store while nobody chats: a channel changed by
staff is in the snapshot within seconds, so a dead action server's fallback is not older
than the change (bot/web/app.py, bot/snapshot.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from web_support import ClientFactory

from bot import snapshot
from bot.db import Store
from bot.services import channels


async def _until(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


def _status(path: Path, key: str) -> str | None:
    known = snapshot.read(path)
    found = [c.status for c in known.channels if c.key == key] if known else []
    return found[0] if found else None


async def test_a_channel_changed_while_nobody_chats_reaches_the_snapshot(
    make_client: ClientFactory, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "routing.json"
    await make_client(snapshot_path=path, snapshot_refresh_seconds=0.05)
    assert await _until(lambda: _status(path, "vermont_blue_rx") == "up")
    store.change("editor", lambda s: channels.set_status(s, "vermont_blue_rx", "down", "x"))
    assert await _until(lambda: _status(path, "vermont_blue_rx") == "down")


async def test_a_store_that_cannot_be_read_leaves_the_last_snapshot_alone(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    path = tmp_path / "routing.json"
    path.write_text("kept")
    client = await make_client(
        database_url=f"sqlite:///{tmp_path}/missing/nowhere.db",
        snapshot_path=path,
        snapshot_refresh_seconds=0.05,
    )
    await asyncio.sleep(0.5)
    assert path.read_text() == "kept"
    assert (await client.get("/healthz")).status == 200
