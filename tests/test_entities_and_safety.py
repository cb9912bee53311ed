"""Who is asking, what about, and emergencies: read from the words people actually write."""

from __future__ import annotations

import pytest

from bot import entities, safety


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hi, this is the orthopedic office. Do we need a prior auth for an in-network knee "
            "arthroscopy scheduled Nov 30?",
            {
                "audience": "provider",
                "network": "in_network",
                "service_category": "other",
                "DATE": "Nov 30",
            },
        ),
        (
            "We're a provider and need an urgent out-of-network prior auth for tomorrow",
            {
                "audience": "provider",
                "urgency": "urgent",
                "network": "out_of_network",
                "DATE": "tomorrow",
            },
        ),
        (
            "in network surgery on 11/21/23, need PA?",
            {"network": "in_network", "service_category": "other", "DATE": "11/21/23"},
        ),
        ("provider here - how do I contact you today", {"audience": "provider", "DATE": "today"}),
        ("I'm calling from a provider office", {"audience": "provider"}),
        ("this is the doctor's office", {"audience": "provider"}),
        ("our practice has a question about a claim", {"audience": "provider"}),
        ("I'm a member", {"audience": "member"}),
        (
            "we're a PT clinic, do we need auth for physical therapy on 12/5 in network?",
            {
                "audience": "provider",
                "service_category": "outpatient_therapy",
                "DATE": "12/5",
                "network": "in_network",
            },
        ),
        (
            "calling for my mom about her pharmacy",
            {"audience": "member", "service_category": "pharmacy"},
        ),
        ("actually it's out of network", {"network": "out_of_network"}),
        ("it's not in network", {"network": "out_of_network"}),
        ("not urgent", {"urgency": "not_urgent"}),
        ("the prior auth on my Humira expired", {"service_category": "pharmacy"}),
        ("MRI next tuesday", {"service_category": "advanced_imaging", "DATE": "next tuesday"}),
        ("physical therapy", {"service_category": "outpatient_therapy"}),
        # "provider" inside a member's sentence is not who is asking.
        (
            "my provider said I need a prior auth for my MRI",
            {"service_category": "advanced_imaging"},
        ),
        # Who is asking, in Spanish, inside a longer message.
        (
            "llamo de un consultorio médico, ¿una resonancia magnética dentro de la red "
            "necesita autorización previa?",
            {
                "audience": "provider",
                "service_category": "advanced_imaging",
                "network": "in_network",
            },
        ),
        (
            "somos una clínica, ¿una cirugía de rodilla dentro de la red el 30 de noviembre "
            "necesita autorización previa?",
            {
                "audience": "provider",
                "service_category": "other",
                "network": "in_network",
                "DATE": "30 de noviembre",
            },
        ),
        ("somos una clínica y tenemos una pregunta sobre un reclamo", {"audience": "provider"}),
        ("hablo desde la oficina del doctor Ruiz por una autorización", {"audience": "provider"}),
        ("soy el proveedor y necesito saber si hace falta autorización", {"audience": "provider"}),
        (
            "llamo por mi mamá, su farmacia no le surte la receta",
            {"audience": "member", "service_category": "pharmacy"},
        ),
        ("soy afiliada y quiero saber si necesito autorización", {"audience": "member"}),
        # "mi proveedor" in a member's sentence is not who is asking.
        (
            "mi proveedor dice que necesito una autorización para la resonancia",
            {"service_category": "advanced_imaging"},
        ),
        ("what's the pharmacy phone number", {"service_category": "pharmacy"}),
        ("call (877) 493-1947", {}),
    ],
)
def test_entities_read_from_one_message(text: str, expected: dict[str, str]) -> None:
    assert entities.read(text) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I'm having chest pain what should i do", "emergency"),
        ("my husband can't breathe", "emergency"),
        ("I think my dad is having a stroke", "emergency"),
        ("she passed out and won't wake up", "emergency"),
        ("I want to kill myself", "self_harm"),
        ("i dont want to live anymore", "self_harm"),
        ("thinking about ending my life", "self_harm"),
        ("my son swallowed some bleach", "poisoning"),
        ("I think I took too many of my pills", "poisoning"),
        ("possible overdose", "poisoning"),
        ("I took all my pills to end it all", "self_harm"),
        ("my toddler got into the dishwasher pods", "poisoning"),
        ("my wife's lips are turning blue", "emergency"),
        ("he is choking", "emergency"),
        ("i cant go on like this", "self_harm"),
        ("gave him a double dose of insulin by mistake", "poisoning"),
    ],
)
def test_emergencies_are_recognised(text: str, intent: str) -> None:
    assert safety.classify(text) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # Indirect wording found missing with tests/nlu_dev/safety.yml (development set).
        ("so tired of being alive and nobody at your company answers", "self_harm"),
        ("my brother says he wants to die", "self_harm"),
        ("i wrote a goodbye letter to my kids", "self_harm"),
        ("been stockpiling my pills, tonight's the night", "self_harm"),
        ("i won't be around by friday so don't bother", "self_harm"),
        ("kms honestly", "self_harm"),
        ("she says she's going to overdose tonight", "self_harm"),
        ("grandma fell and hit her head and is confused", "emergency"),
        ("he is gasping and his lips are gray", "emergency"),
        ("my arm went numb and the pain is going into my jaw", "emergency"),
        ("I took my blood pressure pill twice this morning", "poisoning"),
        ("my toddler drank some mouthwash", "poisoning"),
        ("we have a generator running in the garage and everyone feels sick", "poisoning"),
        ("I accidentally gave him my insulin", "poisoning"),
    ],
)
def test_indirect_wording_is_still_caught(text: str, intent: str) -> None:
    assert safety.classify(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "the hold music nearly gave me a heart attack, when are phones back",
        "we're cutting back on costs, which plan is cheaper next year",
        "my claim isn't moving, who can check it",
        "what's the pharmacy phone number",
        "is it urgent to get my prior auth in",
        "do you cover emergency room visits",
        "I have a claim from the emergency room",
        "urgent out of network prior auth",
        "the website is dead",
        "is the visit for my poison ivy covered",
        "when does my plan end",
    ],
)
def test_ordinary_questions_are_not_emergencies(text: str) -> None:
    assert safety.classify(text) is None


@pytest.mark.parametrize(
    ("text", "past"),
    [
        ("my claim for the heart attack in September was denied", True),
        ("prior auth for a follow up MRI after my stroke last year", True),
        ("is the EOB for the seizure workup right", True),
        ("my husband is having chest pain right now", False),
    ],
)
def test_questions_about_past_care_are_told_apart(text: str, past: bool) -> None:
    assert safety.about_past_care(text) is past
