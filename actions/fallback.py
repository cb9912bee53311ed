"""Out of scope and low confidence: never a confident wrong answer.

Two stages: when the best guess is plausible but uncertain, ask "Did you mean …?" with a
yes button that carries that intent; otherwise say so honestly and give the best live channel.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.base import StoreAction, asked_from
from bot import answers, i18n, topics
from bot.clock import Clock
from bot.services import translations

INTENT_LABELS = topics.SUGGESTIBLE

#: A guess at least this confident is offered back as "Did you mean …?".
SUGGEST_ABOVE = 0.25


def best_guess(tracker: Tracker) -> str | None:
    ranking = tracker.latest_message.get("intent_ranking") or []
    for item in ranking:
        name = item.get("name")
        if name in ("nlu_fallback", "out_of_scope"):
            continue
        if name in INTENT_LABELS and float(item.get("confidence") or 0) >= SUGGEST_ABOVE:
            return str(name)
        return None
    return None


class ActionFallback(StoreAction):
    def name(self) -> str:
        return "action_fallback"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        asked = asked_from(tracker)
        guess = best_guess(tracker)
        if guess is None:
            return topics.answer(session, clock, topics.BY_INTENT["nlu_fallback"], asked)
        with i18n.speaking(translations.speaking_state(session, asked.language)) as spoken:
            # A prescription question asked unclearly still gets the working pharmacy line.
            line = topics.pharmacy_line(session, asked, asked.audience)
            question = i18n.t("I'm not sure I understood. Did you mean: {label}?")
            text = question.format(label=i18n.t(INTENT_LABELS[guess]))
            note = i18n.untranslated_note()
            return answers.Answer(
                text=" ".join(part for part in (text, line, note) if part),
                topic="nlu_fallback",
                audience=asked.audience,
                buttons=[
                    {"title": i18n.t("Yes"), "payload": f"/{guess}"},
                    {"title": i18n.t("No"), "payload": "/deny"},
                ],
                language=spoken.language,
            )
