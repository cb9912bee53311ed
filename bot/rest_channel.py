"""The chat endpoint, never silent: Rasa's REST channel with a floor under it.

Same URL and JSON as Rasa's ``rest`` channel (``POST /webhooks/rest/webhook``), plus:

- a message longer than ``BOT_MAX_MESSAGE_CHARS`` is answered politely *before* it reaches
  the language model (one huge message must not hold up everyone else's), and its text is
  never logged;
- more than ``BOT_CHAT_PER_MINUTE_PER_SENDER`` messages a minute from one conversation (or
  ``BOT_CHAT_PER_MINUTE_PER_IP`` from one address) get a polite "slow down" without
  reaching the model, so one flood can't hold up other members;
- identifiers in a message (SSN, member ID, date of birth, email, phone) are replaced by
  placeholders here, before the language model, the tracker store or any log sees them;
- a turn that produced no reply at all (the action server is down or timed out, or Rasa
  failed) gets the last known good routing from :mod:`bot.snapshot`, stamped "As of …",
  with the emergency numbers — never an empty list.

Configured in ``credentials.yml`` as ``bot.rest_channel.ResilientRestInput``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import privacy, snapshot
from bot.clock import Clock
from bot.config import Settings
from bot.nlu_tools.redact import plan_phone_numbers, redact
from bot.web.ratelimit import TokenBucket

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
SLOW_DOWN = (
    "You're sending messages faster than I can read them. Please wait {seconds} seconds and "
    "try again. If this is a medical emergency, call 911."
)
TOO_LONG = (
    "Sorry, that message is too long for me to read ({limit} characters at most). Could you "
    "say it in a sentence or two? If this is a medical emergency, call 911."
)


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
        self.per_sender = TokenBucket(self.settings.chat_per_minute_per_sender, time.monotonic)
        self.per_address = TokenBucket(self.settings.chat_per_minute_per_ip, time.monotonic)

    def fallback(self, audience: str = "member") -> list[dict[str, Any]]:
        known = snapshot.read(self.settings.snapshot_path)
        text = snapshot.fallback_text(
            known, self.clock, self.settings.snapshot_max_age_seconds, audience
        )
        return [{"recipient_id": "", "text": text}]

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
            wait = max(self.per_sender.take(sender), self.per_address.take(request.ip or "?"))
            if wait > 0:
                log.info("chat message refused: over the rate limit")
                seconds = max(1, math.ceil(wait))
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
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            try:
                await on_new_message(
                    UserMessage(
                        text, collector, sender, input_channel=self.name(), metadata=metadata
                    )
                )
            except Exception as exc:  # noqa: BLE001 - the member still gets an answer
                log.error("chat turn failed: %s", type(exc).__name__)
            messages = list(collector.messages)
            if any(m.get("custom") == privacy.FORGET_PAYLOAD for m in messages):
                messages = await self.forget(request, sender, messages)
            if not messages:
                log.warning("chat turn produced no reply: answering from the last known routing")
                messages = self.fallback()
                for message in messages:
                    message["recipient_id"] = sender
            return response.json(messages)

        return hook
