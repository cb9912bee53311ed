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
_WHO = (
    r"(?:i|he|she|they|we|my\s+\w+|the\s+\w+|someone|somebody|baby|toddler|kid|child|son|daughter)"
)
_SUBSTANCE = (
    r"(?:bleach|detergent|laundry|dishwasher|pods?|cleaner|cleaning|chemicals?|antifreeze|"
    r"pills?|medicine|meds|tablets|batter(?:y|ies)|gasoline|lighter fluid|rat poison|"
    r"weed killer|pesticide|drano|lye|mushrooms?|berries|vitamins|tylenol|acetaminophen|"
    r"fentanyl|opioids?|oxy\w*|percocet|xanax|sleeping pills|antidepressants?|gummies|"
    r"mouthwash|nail polish remover|lamp oil|washer fluid|benadryl)"
)
PATTERNS: dict[str, list[str]] = {
    "self_harm": [
        r"\b(?:kill|hurt|harm|cut|cutting|burn|shoot|hang|drown|stab)(?:ing)?\s+"
        r"(?:my\s*self|myself|himself|herself|themselves)\b",
        r"\b(?:going|gonna|plan\w*|want)\s+to\s+(?:overdose|od)\b",
        r"\b(?:tired|sick)\s+of\s+(?:being\s+alive|living)\b",
        r"\bwant\s+(?:it\s+all|everything|my\s+life)\s+to\s+(?:be\s+over|end|stop)\b",
        r"\b(?:take|taking|swallow\w*)\s+all\s+(?:of\s+)?my\s+(?:pills|meds|medication)\b",
        r"\b(?:goodbye|suicide)\s+(?:letters?|notes?)\b|\blast\s+message\s+to\s+(?:anyone|everyone)\b",
        r"\bjump(?:ing)?\s+(?:off|from)\s+(?:the\s+|a\s+)?(?:bridge|roof|building|cliff)\b",
        r"\bedge\s+of\s+(?:the\s+)?(?:\w+\s+){0,2}(?:roof|bridge|building)\b",
        r"\bdisappear\s+forever\b|\b(?:never|not)\s+wake\s+up\b",
        r"\b(?:been|started|is|keeps?)\s+cutting\b(?!\s+(?:back|costs?|checks|coupons|corners))",
        r"\b(?:won'?t|wont|will\s+not)\s+be\s+(?:around|here|alive)\b",
        r"\b(?:don'?t|dont)\s+plan\s+on\s+being\s+(?:here|around|alive)\b|\bafter\s+i'?m\s+dead\b",
        r"\bdriv\w*\s+(?:my\s+car\s+)?into\s+(?:a\s+|the\s+)?(?:tree|wall|traffic|river|lake)\b",
        r"\b(?:saving|stockpiling|hoarding)\s+(?:up\s+)?(?:my\s+)?(?:pills|meds|oxy\w*|medication)\b",
        r"\bif\s+i\s+(?:was|were)\s+gone\b|\brather\s+be\s+dead\b",
        r"\bnoose\b|\brope\s+(?:is\s+)?ready\b",
        r"\bkms\b|\bslit\w*\s+(?:my|his|her)\s+wrists?\b",
        r"\bpain\s+to\s+stop\s+(?:permanently|forever)\b",
        r"\bgave\s+away\s+(?:all\s+)?my\s+(?:stuff|things|belongings)\b",
        r"\bgo\s+through\s+with\s+it\b",
        r"\bwalk\w*\s+into\s+the\s+(?:lake|river|ocean|sea|water)\b",
        r"\bend\s+(?:things|everything)\b",
        r"\bgarage\s+with\s+the\s+(?:car|engine)\s+running\b",
        r"\bsuicid\w*",
        r"\b(?:end|ending|take|taking)\s+(?:my|his|her)\s+(?:own\s+)?life\b",
        r"\bend(?:ing)?\s+it\s*(?:all)?\b(?!\s+(?:plan|policy|coverage|membership))",
        r"\b(?:wants?|wanted|wnat|wanna|going|ready)\s+(?:to\s+)?die\b",
        r"\b(?:don'?t|do not)\s+want\s+to\s+(?:live|be alive|be here|wake up|exist)\b",
        r"\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going on)\b",
        r"\b(?:can'?t|cannot)\s+(?:go on|do this anymore|take it anymore|keep going)\b",
        r"\bself[\s-]?harm\w*",
        r"\bbetter\s+off\s+(?:dead|gone|without me)\b",
        r"\b(?:not|isn'?t|isnt|ain'?t)\s+worth\s+living\b",
        r"\bgive\s+up\s+on\s+(?:life|living)\b",
    ],
    "poisoning": [
        r"\bpoison(?:ed|ing)?\b(?!\s+(?:ivy|oak|sumac))",
        r"\bover[\s-]?dos\w*",
        rf"\b(?:swallowed|drank|drunk|ate|eaten|ingested|chewed|got into|licked)\s+"
        rf"(?:some\s+|a\s+|an\s+|the\s+|my\s+|her\s+|his\s+|all\s+)?(?:\w+\s+){{0,2}}{_SUBSTANCE}",
        r"\b(?:took|taken|take|gave|given)\s+(?:him\s+|her\s+|them\s+)?(?:too\s+many|too\s+much|"
        r"a\s+bunch\s+of|all\s+(?:of\s+)?(?:my|her|his|the)|(?:a\s+)?double)"
        r"\s+(?:\w+\s+){0,2}(?:pills|meds|medication|medicine|tablets|doses?|insulin)\b",
        r"\bdouble\s+dose\b|\bextra\s+dose\b|\bdoubled\s+up\b",
        r"\b(?:took|taken|gave|given)\s+(?:\w+\s+){0,4}(?:twice|two\s+times)\b",
        r"\b(?:took|taken|gave|given|swallowed)\b[^.]{0,60}\b(?:by\s+mistake|by\s+accident)\b",
        r"\baccidentally\s+(?:took|gave|swallowed|drank|ate)\b",
        r"\binstead\s+of\s+(?:mine|his|hers|his\s+own|her\s+own)\b",
        r"\b(?:whole\s+bunch|way\s+too\s+many|too\s+many)\s+(?:of\s+)?(?:\w+\s+){0,2}"
        r"(?:benadryl|xanax|tylenol|advil|pills|meds|gummies|tablets)\b",
        r"\b[1-9]\d\s+(?:tylenol|advil|ibuprofen|aspirin|pills|tablets)\b",
        r"\bmix\w*\s+(?:my\s+)?(?:\w+\s+){0,2}(?:with|and)\s+(?:alcohol|wine|beer|cough\s+syrup|"
        r"ammonia|bleach)\b|\bmix\w*\s+bleach\b",
        r"\bcarbon\s+monoxide\b|\bgenerator\s+(?:\w+\s+){0,3}(?:basement|garage|inside|indoors)\b",
        r"\bpill\s+organizer\s+at\s+once\b",
        r"\bwrong\s+(?:pills?|medicine|medication|meds)\b",
    ],
    "emergency": [
        r"\bchest\s+(?:pains?|pressure|tightness|hurts?)\b",
        r"(?<!gave me a )(?<!give me a )\bheart\s+attack\b",
        r"\bhit\s+(?:his|her|my|their)\s+head\b|\btalking\s+gibberish\b",
        r"\b(?:left\s+)?arm\s+(?:is\s+|went\s+)?numb\b|\bpain\s+(?:\w+\s+){0,3}(?:jaw|left\s+arm)\b",
        r"\b(?:can'?t|cannot)\s+walk\s+straight\b|\bgasping\b|\bfoaming\s+at\s+the\s+mouth\b",
        r"\b(?:got|been|was)\s+(?:stabbed|shot)\b|\bbleeding\s+everywhere\b",
        r"\b(?:he|she|they)\s+(?:isn'?t|is\s+not|isnt)\s+moving\b",
        r"\bcan'?t\s+feel\s+(?:my|his|her)\s+legs\b|\bnot\s+responding\s+to\s+(?:me|us)\b",
        r"\bvomit\w*\s+(?:\w+\s+){0,3}blood\b",
        r"\b(?:having|had|is having)\s+a\s+stroke\b|\bstroke\s+symptoms\b",
        r"\b(?:can'?t|cannot|can not|trouble|hard to|difficulty|struggling to|unable to)\s+"
        r"(?:catch\s+(?:my|his|her)\s+)?breath\w*",
        r"\bshort(?:ness)?\s+of\s+breath\b",
        r"\b(?:not|isn'?t|stopped)\s+breathing\b",
        r"\bturning\s+blue\b|\blips\s+(?:are\s+)?(?:blue|turning)\b",
        r"\bchoking\b",
        r"\b(?:unconscious|unresponsive|passed\s+out|fainted|collapsed|won'?t\s+wake\s+up)\b",
        r"\b(?:bleeding\s+(?:a\s+lot|heavily|badly|won'?t\s+stop)|severe\s+bleeding|"
        r"won'?t\s+stop\s+bleeding|lots\s+of\s+blood)\b",
        r"\b(?:having|had|is having)\s+(?:a\s+)?seizures?\b|\bseizing\b",
        r"\banaphyla\w*|\ballergic\s+reaction\b",
        r"\b(?:throat|tongue|lips?|face)\s+(?:is\s+|are\s+)?(?:closing|swelling|swollen)\b",
        r"\bface\s+(?:is\s+)?drooping\b|\bslurr(?:ed|ing)\s+(?:speech|words)\b",
        r"\bnumb(?:ness)?\s+on\s+one\s+side\b",
        r"\bmedical\s+emergency\b",
        r"\bcall(?:ing)?\s+(?:an\s+)?ambulance\b|\bcall\s+911\b",
        r"\b(?:worst|severe|sudden)\s+headache\b",
        r"\bcoughing\s+(?:up\s+)?blood\b|\bvomiting\s+blood\b",
    ],
}

#: A message about paying for past care ("my claim for the heart attack in September") is
#: not an emergency now: it gets its own answer, with the emergency line put first.
BENEFITS_CONTEXT = re.compile(
    r"\b(?:claims?|bills?|billed|billing|eob|explanation of benefits|covered|coverage|cover|"
    r"copays?|deductible|reimburs\w*|paid|pay for|prior auth\w*|auth|pre-?cert\w*|follow[\s-]?up|"
    r"last\s+(?:year|month|week)|ago|rehab\s+facility|history\s+of)\b",
    re.IGNORECASE,
)

_COMPILED = {intent: [re.compile(p, re.I) for p in pats] for intent, pats in PATTERNS.items()}
INTENTS = tuple(PATTERNS)


def classify(text: str) -> str | None:
    """The safety intent a message calls for, or None."""
    text = (text or "").replace("’", "'")
    for intent, patterns in _COMPILED.items():
        if any(p.search(text) for p in patterns):
            return intent
    return None


def about_past_care(text: str) -> bool:
    """Whether the words are about paying for care rather than needing help right now."""
    return bool(BENEFITS_CONTEXT.search(text or ""))
