"""Service dates from free text, and the blank-pipeline path (no pretrained model)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot import nlp
from bot.dates import parse_date

TODAY = date(2023, 11, 28)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dec 5", date(2023, 12, 5)),
        ("December 5th", date(2023, 12, 5)),
        ("on the 5th of december", date(2023, 12, 5)),
        ("12/5", date(2023, 12, 5)),
        ("12/05/2024", date(2024, 12, 5)),
        ("2024-12-01", date(2024, 12, 1)),
        ("Dec 1, 2024", date(2024, 12, 1)),
        ("jan 3", date(2024, 1, 3)),  # next occurrence, not ten months ago
        ("nov 1", date(2023, 11, 1)),  # recent past stays in this year
        ("tomorrow", date(2023, 11, 29)),
        ("today", TODAY),
        ("in 3 days", date(2023, 12, 1)),
        ("in two weeks", date(2023, 12, 12)),
        ("tuesday", TODAY),
        ("next tuesday", date(2023, 12, 5)),
        ("this friday", date(2023, 12, 1)),
        ("next tue", date(2023, 12, 5)),
        ("wedding on dec 9", date(2023, 12, 9)),
    ],
)
def test_dates_people_write(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "sometime", "it is urgent", "may", "I sat down", "13/45", "feb 30"]
)
def test_no_date_is_invented(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_blank_pipeline_path_works_without_a_model(tmp_path: Path) -> None:
    import spacy

    source = nlp.make_blank(tmp_path / "blank")
    link = tmp_path / "spacy-en"
    nlp.link(blank=True, target=link)
    assert link.is_symlink()
    doc = spacy.load(source)("prior auth for an MRI on dec 5")
    assert [t.text for t in doc][-2:] == ["dec", "5"]
    assert doc.ents == ()  # no NER: dates then come from the parser alone
    assert parse_date(doc.text, TODAY) == date(2023, 12, 5)


def test_pretrained_pipeline_is_found() -> None:
    path = nlp.pretrained_path()
    assert path is not None and (path / "config.cfg").is_file()
