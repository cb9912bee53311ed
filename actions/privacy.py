"""A member's "delete my chat": the chat channel deletes the conversation once it is saved.

The action can't delete the tracker itself: Rasa saves this very turn after the action
returns, and would write the whole conversation back. So the action only asks, with a
custom payload the REST channel acts on after the turn is stored (bot/rest_channel.py),
and the channel tells the member whether it worked.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher

from bot.privacy import FORGET_PAYLOAD


class ActionForgetConversation(Action):
    def name(self) -> str:
        return "action_forget_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message=FORGET_PAYLOAD)
        return [AllSlotsReset()]
