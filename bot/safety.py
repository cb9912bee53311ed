"""Emergencies first: words that mean someone may be in danger right now.

A health plan's assistant must send a medical emergency to 911, a suicidal crisis to 988 and
a poisoning to Poison Control before anything else, in every state of the store, even when
the store or the action server is down. So this is not left to the statistical classifier:
these patterns override it inside the NLU pipeline (:mod:`bot.nlu_components`), and the
answers are fixed domain responses that need no action server (``utter_<intent>``).

Recall matters more than precision here: a false alarm costs one extra sentence.
"""

from __future__ import annotations

import re

#: Intent → patterns, checked in this order (self-harm before poisoning before emergency:
#: "I took all my pills to end it" needs 988 and 911, not only Poison Control).
PATTERNS: dict[str, list[str]] = {
    "self_harm": [
        r"\b(?:kill|hurt|harm|cut)(?:ing)?\s+(?:my\s*self|myself)\b",
        r"\bsuicid\w*",
        r"\bend(?:ing)?\s+(?:my|it)\s+(?:life|all)\b",
        r"\bend\s+it\s+all\b",
        r"\b(?:want|wanna|going)\s+(?:to\s+)?die\b",
        r"\bdon'?t\s+want\s+to\s+(?:live|be alive|wake up)\b",
        r"\bno\s+reason\s+to\s+live\b",
        r"\bself[\s-]?harm\w*",
        r"\bbetter\s+off\s+dead\b",
    ],
    "poisoning": [
        r"\bpoison(?:ed|ing)?\b",
        r"\boverdos\w*",
        r"\b(?:swallowed|drank|ate|ingested)\s+(?:some\s+|a\s+|the\s+)?(?:\w+\s+){0,2}"
        r"(?:bleach|detergent|pod|pods|cleaner|chemical|chemicals|antifreeze|pills|medicine|"
        r"batter(?:y|ies)|gasoline|rat poison)\b",
        r"\b(?:took|taken|take)\s+(?:too\s+many|a\s+bunch\s+of|all\s+(?:of\s+)?(?:my|her|his|the))"
        r"\s+(?:\w+\s+){0,2}(?:pills|meds|medication|medicine|tablets)\b",
        r"\bdouble\s+dose\b",
    ],
    "emergency": [
        r"\bchest\s+pains?\b",
        r"\bheart\s+attack\b",
        r"\bstroke\b",
        r"\b(?:can'?t|cannot|can not|trouble|hard to|difficulty|struggling to)\s+breath\w*",
        r"\bshort(?:ness)?\s+of\s+breath\b",
        r"\bnot\s+breathing\b",
        r"\b(?:unconscious|unresponsive|passed\s+out|fainted|collapsed)\b",
        r"\b(?:bleeding\s+(?:a\s+lot|heavily|badly|won'?t\s+stop)|severe\s+bleeding|"
        r"won'?t\s+stop\s+bleeding)\b",
        r"\bseizure\w*",
        r"\banaphyla\w*",
        r"\b(?:throat|tongue)\s+(?:is\s+)?(?:closing|swelling)\b",
        r"\bface\s+(?:is\s+)?drooping\b",
        r"\bmedical\s+emergency\b",
        r"\bcall(?:ing)?\s+(?:an\s+)?ambulance\b",
    ],
}

_COMPILED = {intent: [re.compile(p, re.I) for p in pats] for intent, pats in PATTERNS.items()}
INTENTS = tuple(PATTERNS)


def classify(text: str) -> str | None:
    """The safety intent a message calls for, or None."""
    text = (text or "").replace("’", "'")
    for intent, patterns in _COMPILED.items():
        if any(p.search(text) for p in patterns):
            return intent
    return None
