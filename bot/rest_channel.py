"""The chat endpoint, never silent: Rasa's REST channel with a floor under it.

Same URL and JSON as Rasa's ``rest`` channel (``POST /webhooks/rest/webhook``), plus:

- a message longer than ``BOT_MAX_MESSAGE_CHARS`` is answered politely *before* it reaches
  the language model (one huge message must not hold up everyone else's), and its text is
  never logged;
- more than ``BOT_CHAT_PER_MINUTE_PER_SENDER`` messages a minute from one conversation (or
  ``BOT_CHAT_PER_MINUTE_PER_IP`` from one address, beyond short bursts) get a
  polite "slow down" without reaching the model, after a pause of up to a second; and one
  address's messages reach the model one at a time, so one flood can't hold up other
  members (``make bench-flood`` measures it);
- identifiers in a message (SSN, member ID, date of birth, email, phone) are replaced by
  placeholders here, before the language model, the tracker store or any log sees them;
- a turn whose conversation can't be read, locked or saved (tracker store or lock store
  down) is refused as a whole: the member is asked to send it again, with the last known
  routing, and ``GET /webhooks/rest/ready`` answers 503 until both stores answer again
  (load balancers take the replica out meanwhile);
- a turn that produced no reply at all (the action server is down or timed out, or Rasa
  failed) gets the last known good routing from :mod:`bot.snapshot`, stamped "As of …",
  with the emergency numbers — never an empty list.

Configured in ``credentials.yml`` as ``bot.rest_channel.ResilientRestInput``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import i18n, language, privacy, snapshot, tracker_store
from bot.clock import Clock
from bot.config import Settings
from bot.nlu_tools.redact import plan_phone_numbers, redact
from bot.web.ratelimit import OneAtATime, TokenBucket

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
#: Messages one conversation may send back to back before its rate applies.
CHAT_BURST = 10
#: The same for one address: larger, as many members may share one (an office, a carrier's NAT).
ADDRESS_BURST = 30
#: How long a refused message waits before its "slow down" answer, at most.
REFUSAL_DELAY_SECONDS = 1.0
SLOW_DOWN = (
    "You're sending messages faster than I can read them. Please wait {seconds} seconds and "
    "try again. If this is a medical emergency, call 911."
)
TOO_LONG = (
    "Sorry, that message is too long for me to read ({limit} characters at most). Could you "
    "say it in a sentence or two? If this is a medical emergency, call 911."
)

SEND_AGAIN = (
    "Sorry, I couldn't save our conversation just now, so I haven't acted on your last "
    "message. Please send it again in a minute."
)


def with_language(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each reply says which language it is written in (the widget sets ``lang`` from it, so
    a screen reader reads Spanish with a Spanish voice); a reply too short to tell gets the
    language of the reply before it."""
    last: str | None = None
    for message in messages:
        if "language" not in message and message.get("text"):
            message["language"] = language.read(str(message["text"])).language or last
        last = message.get("language") or last
    return messages


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    """The member's address: the peer's, or, when the peer is our own balancer, the one it
    forwarded for (the last X-Forwarded-For entry: the one our balancer appended itself)."""
    peer = request.ip or "?"
    if peer in trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return peer


def _bad_request(message: str) -> HTTPResponse:
    return response.json({"error": {"code": "invalid", "message": message}}, status=400)


class ResilientRestInput(InputChannel):
    """Rasa's REST channel with a size cap and a reply that is never empty."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        self.settings = Settings.from_env()
        self.clock = Clock.from_settings(self.settings)
        #: The plan's own numbers are not personal data: "(877) 493-1947" stays as written.
        self.plan_numbers = plan_phone_numbers()
        # Small bursts: every message that gets through costs the language model's time,
        # which all members share, so a flood is spread out instead of queued up front.
        self.per_sender = TokenBucket(
            self.settings.chat_per_minute_per_sender, time.monotonic, burst=CHAT_BURST
        )
        self.per_address = TokenBucket(
            self.settings.chat_per_minute_per_ip, time.monotonic, burst=ADDRESS_BURST
        )
        self.one_turn_per_address = OneAtATime()

    def fallback(
        self, sender: str, *, send_again: bool = False, spoken: str | None = None
    ) -> list[dict[str, Any]]:
        """The last known routing (and, when the turn was not saved, a request to resend),
        in the language the member's message was in."""
        known = snapshot.read(self.settings.snapshot_path)
        with i18n.speaking(i18n.Speaking(language=spoken or i18n.ENGLISH)):
            text = snapshot.fallback_text(
                known,
                self.clock,
                self.settings.snapshot_max_age_seconds,
                lead=i18n.t(SEND_AGAIN) if send_again else i18n.t(snapshot.CANT_REACH),
            )
        return [{"recipient_id": sender, "text": text, "language": spoken or i18n.ENGLISH}]

    async def forget(
        self, request: Request, sender: str, messages: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Delete the conversation (now saved, this turn included) and say whether it worked."""
        try:
            done = await privacy.forget_in(request.app.ctx.agent.tracker_store, sender)
        except Exception as exc:  # noqa: BLE001 - the member is told, never left hanging
            log.error("deleting a conversation failed: %s", type(exc).__name__)
            done = False
        log.info("conversation deleted on request" if done else "conversation not deleted")
        text = (
            privacy.FORGOTTEN
            if done
            else privacy.NOT_FORGOTTEN.format(days=self.settings.retention_days)
        )
        kept = [m for m in messages if m.get("custom") != privacy.FORGET_PAYLOAD]
        return [*kept, {"recipient_id": sender, "text": text}]

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            """200 when this replica can read and save conversations now, else 503."""
            agent = request.app.ctx.agent
            checks: dict[str, str] = {}
            for name, ping, store in (
                ("model", None, agent),
                ("tracker_store", tracker_store.ping_tracker_store, agent.tracker_store),
                ("lock_store", tracker_store.ping_lock_store, agent.lock_store),
            ):
                try:
                    if store is None or (name == "model" and not agent.is_ready()):
                        raise LookupError("not loaded")
                    if ping is not None:
                        await asyncio.to_thread(ping, store)
                    checks[name] = "ok"
                except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
                    checks[name] = type(exc).__name__
            ok = all(v == "ok" for v in checks.values())
            return response.json(
                {"status": "ready" if ok else "not ready", "checks": checks},
                status=200 if ok else 503,
            )

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else None
            if body is None:
                return _bad_request("send a JSON object with 'sender' and 'message'")
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
                return _bad_request(f"'sender' must be text of 1 to {MAX_SENDER_CHARS} characters")
            if not isinstance(text, str):
                return _bad_request("'message' must be text")
            address = client_address(request, self.settings.trusted_proxies)
            wait = max(self.per_sender.take(sender), self.per_address.take(address))
            if wait > 0:
                log.info("chat message refused: over the rate limit")
                seconds = max(1, math.ceil(wait))
                # Answer a flood slowly (a sleeping request costs no CPU): a client that
                # resends at once can't turn the cheap refusals into a queue for everyone.
                await asyncio.sleep(min(wait, REFUSAL_DELAY_SECONDS))
                return response.json(
                    [{"recipient_id": sender, "text": SLOW_DOWN.format(seconds=seconds)}],
                    headers={"Retry-After": str(seconds)},
                )
            limit = self.settings.max_message_chars
            if len(text) > limit:
                log.info("chat message refused: %d characters (limit %d)", len(text), limit)
                return response.json(
                    [{"recipient_id": sender, "text": TOO_LONG.format(limit=limit)}]
                )
            text = redact(text, self.plan_numbers)
            collector = CollectingOutputChannel()
            # A conversation that can't be read or saved is refused, never forgotten.
            tracker_store.fail_loudly(request.app.ctx.agent.tracker_store)
            unsaved = False
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            try:
                async with self.one_turn_per_address.turn(address):
                    await on_new_message(
                        UserMessage(
                            text, collector, sender, input_channel=self.name(), metadata=metadata
                        )
                    )
            except Exception as exc:  # noqa: BLE001 - the member still gets an answer
                unsaved = tracker_store.is_storage_failure(exc)
                log.error(
                    "chat turn %s: %s",
                    "not saved, member asked to resend" if unsaved else "failed",
                    type(exc).__name__,
                )

            # Only a fallback needs the language here: the NLU reads it for every other turn.
            def spoken() -> str | None:
                return language.read(text, metadata).language

            if unsaved:
                return response.json(self.fallback(sender, send_again=True, spoken=spoken()))
            messages = list(collector.messages)
            if any(m.get("custom") == privacy.FORGET_PAYLOAD for m in messages):
                messages = await self.forget(request, sender, messages)
            if not messages:
                log.warning("chat turn produced no reply: answering from the last known routing")
                messages = self.fallback(sender, spoken=spoken())
            return response.json(with_language(messages))

        return hook
