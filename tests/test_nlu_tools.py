"""Trainer tooling: `bot nlu check|add|report|inbox` on fixtures, real files and a real tracker.

Fast except the inbox test marked slow, which talks to the real assistant and reads its
PostgreSQL tracker store.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from assistant import Assistant, running_assistant
from conftest import drop_postgres_database, fresh_postgres_database
from sqlalchemy import create_engine, text

from bot import cli, migrate, scenario
from bot.clock import Clock
from bot.db import Store
from bot.nlu_tools import add, checks, inbox, redact, report
from bot.nlu_tools.checks import ERROR, WARNING

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
GOOD = FIXTURES / "nlu_good"
BAD = FIXTURES / "nlu_bad"
REAL_DATA = ROOT / "data" / "nlu"
PLAN = redact.plan_phone_numbers(GOOD / "scenario.yml")


def run_case(case: str, tmp_path: Path, min_examples: int = 3) -> list[checks.Issue]:
    """The good fixture plus the case's ``x_*.yml`` files (and its domain, if it has one)."""
    data = tmp_path / "nlu"
    shutil.copytree(GOOD / "data", data)
    for extra in (BAD / case).glob("x_*.yml"):
        shutil.copy(extra, data)
    domain = BAD / case / "domain.yml"
    return checks.run_checks(
        data,
        domain if domain.exists() else GOOD / "domain.yml",
        held_out=(GOOD / "held_out",),
        scenario=GOOD / "scenario.yml",
        min_examples=min_examples,
    )


def found(issues: list[checks.Issue]) -> set[tuple[str, str, int | None]]:
    return {(i.severity, i.path.name, i.line) for i in issues}


# --- checks -----------------------------------------------------------------------------------


def test_good_fixture_is_clean() -> None:
    issues = checks.run_checks(
        GOOD / "data",
        GOOD / "domain.yml",
        held_out=(GOOD / "held_out",),
        scenario=GOOD / "scenario.yml",
        min_examples=3,
    )
    assert issues == []
    assert checks.summary(issues) == "0 errors, 0 warnings"


@pytest.mark.parametrize(
    ("case", "expected", "words"),
    [
        ("duplicate", {(ERROR, "x_duplicate.yml", 6)}, "also under 'greet'"),
        ("held_out_leak", {(ERROR, "x_leak.yml", 5)}, "evaluation message"),
        ("unknown_entity", {(ERROR, "x_entity.yml", 5)}, "'body_part'"),
        (
            "unknown_value",
            {(ERROR, "x_value.yml", 5), (ERROR, "x_value.yml", 6)},
            "not a service_category value",
        ),
        ("annotation_disagrees", {(ERROR, "x_annotation.yml", 5)}, "make them agree"),
        ("bad_annotation", {(ERROR, "x_annotation.yml", 5)}, "not valid JSON"),
        ("synonym_conflict", {(ERROR, "x_synonyms.yml", 6)}, "'advanced_imaging'"),
        (
            "synonym_unknown_value",
            {(ERROR, "x_synonyms.yml", 5)},
            "'dental' is not a value of any categorical slot",
        ),
        ("broken_yaml", {(ERROR, "x_broken.yml", 6)}, "not valid YAML"),
        ("near_duplicate", {(WARNING, "x_near.yml", 5)}, "nearly the same"),
        ("too_few_examples", {(WARNING, "x_goodbye.yml", 3)}, "has 1 examples"),
        ("intent_without_examples", {(WARNING, "domain.yml", 4)}, "'thank' has no training"),
        ("undeclared_intent", {(ERROR, "x_undeclared.yml", 3)}, "not listed under 'intents:'"),
        ("not_a_list_item", {(WARNING, "x_item.yml", 6)}, "Rasa skips it"),
        ("personal_data_generated", {(WARNING, "x_generated.yml", 6)}, "generator"),
    ],
)
def test_each_bad_fixture_is_caught(
    case: str, expected: set[tuple[str, str, int]], words: str, tmp_path: Path
) -> None:
    issues = run_case(case, tmp_path)
    assert found(issues) == expected, "\n".join(i.render() for i in issues)
    assert any(words in i.message for i in issues), "\n".join(i.render() for i in issues)


def test_personal_data_is_an_error_and_never_echoed(tmp_path: Path) -> None:
    issues = run_case("personal_data", tmp_path)
    assert found(issues) == {(ERROR, "x_personal.yml", line) for line in range(6, 13)}
    shown = "\n".join(i.render() for i in issues)
    for secret in ("555-0199", "ABC123456789", "1962", "123-45-6789", "jane.doe", "80249377771234"):
        assert secret not in shown
    for kind in ("phone", "member-ID", "date of birth", "social security", "email"):
        assert kind in shown


def test_plan_numbers_come_from_the_scenario() -> None:
    assert redact.plan_phone_numbers() == {"8774931947", "8886201746", "8023710130"}


@pytest.mark.parametrize(
    ("message", "redacted"),
    [
        ("call me at 802-555-0199 or jane.doe@example.com", "call me at <phone> or <email>"),
        ("is (877) 493-1947 the pharmacy line", "is (877) 493-1947 the pharmacy line"),
        ("is 493-1947 right", "is 493-1947 right"),
        ("my number is 5551234567", "my number is <phone>"),
        ("+1 (802) 555-0100 please", "<phone> please"),
        ("member id ABC123456789", "member id <member_id>"),
        ("id 123456789", "id <member_id>"),
        ("ssn 123-45-6789", "ssn <ssn>"),
        ("my dob is 3/4/1975", "my dob is <date>"),
        ("born on march 3", "born on <date>"),
        ("date of birth: 1980-02-29", "date of birth: <date>"),
        ("on december 5", "on december 5"),
        ("12/4/2023", "12/4/2023"),
        ("services from nov 22 to dec 3 2023", "services from nov 22 to dec 3 2023"),
        ("what is 34 times 80908", "what is 34 times 80908"),
    ],
)
def test_redaction(message: str, redacted: str) -> None:
    assert redact.redact(message, PLAN) == redacted


def test_line_numbers_follow_the_yaml_block() -> None:
    data = checks.load_nlu(GOOD / "data")
    lines = {ex.raw: ex.line for ex in data.examples if ex.path.name == "pharmacy.yml"}
    assert lines["I need to refill my [prescription](service_category)"] == 6
    # a blank line inside the block does not shift the count
    assert lines["the [pharmacy](service_category) says my card is not valid"] == 10


def test_near_duplicates_are_fast_enough_for_2000_examples() -> None:
    words = "refill card pharmacy claim portal login outage phone email premium bill".split()
    examples = [
        checks.Example(
            f"intent_{i % 7}",
            " ".join(words[(i * k) % len(words)] for k in range(3 + i % 9)) + f" case {i}",
            Path("x.yml"),
            i,
        )
        for i in range(2000)
    ]
    started = time.monotonic()
    checks.check_near_duplicates(examples)
    assert time.monotonic() - started < 60


def test_real_training_data_is_checked_without_crashing() -> None:
    """Smoke test only: what the real data holds is for trainers and `make nlu-check`."""
    issues = checks.run_checks(REAL_DATA, ROOT / "domain.yml")
    assert all(i.severity in (ERROR, WARNING) for i in issues)
    assert len(checks.load_nlu(REAL_DATA).examples) > 500


def test_check_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = ["--domain", str(GOOD / "domain.yml"), "--held-out", str(GOOD / "held_out")]
    assert (
        cli.main(["nlu", "check", "--data", str(GOOD / "data"), *good, "--min-examples", "3"]) == 0
    )
    assert capsys.readouterr().out.strip().endswith("0 errors, 0 warnings")

    run_case("duplicate", tmp_path)  # builds tmp_path/nlu
    assert (
        cli.main(["nlu", "check", "--data", str(tmp_path / "nlu"), *good, "--min-examples", "3"])
        == 1
    )
    out = capsys.readouterr().out
    assert "x_duplicate.yml:6: ERROR:" in out
    assert out.strip().endswith("1 errors, 0 warnings")


def test_check_command_never_imports_rasa_or_tensorflow() -> None:
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"rc = main(['nlu', 'check', '--data', {str(GOOD / 'data')!r}, '--domain', "
        f"{str(GOOD / 'domain.yml')!r}, '--no-held-out', '--min-examples', '3'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'rasa', 'tensorflow'})\n"
        "print('heavy:', heavy)\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "heavy: []" in result.stdout


# --- add --------------------------------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "nlu"
    shutil.copytree(REAL_DATA, copy)
    return copy


def _add(data: Path, intent: str, example: str) -> add.Added:
    return add.add_example(intent, example, data_dir=data, domain=ROOT / "domain.yml")


def test_add_appends_to_the_block_keeping_everything_else(data_copy: Path) -> None:
    path = data_copy / "chitchat.yml"
    before = path.read_text(encoding="utf-8").splitlines(keepends=True)
    added = _add(data_copy, "deny", "no, that's not it at all friend")
    after = path.read_text(encoding="utf-8").splitlines(keepends=True)

    assert added.path == path
    assert len(after) == len(before) + 1
    index = added.line - 1
    assert after[index] == "    - no, that's not it at all friend\n"
    assert after[:index] + after[index + 1 :] == before  # order, comments, blank lines intact
    assert after[index - 1].startswith("    - ") and after[index + 1] == "\n"  # end of `deny`
    assert [line for line in after if line.startswith("#")] == [
        line for line in before if line.startswith("#")
    ]
    loaded = {(ex.intent, ex.raw) for ex in checks.load_nlu(data_copy).examples}
    assert ("deny", "no, that's not it at all friend") in loaded
    for other in REAL_DATA.glob("*.yml"):
        if other.name != path.name:
            assert (data_copy / other.name).read_bytes() == other.read_bytes()


def test_add_with_entities_and_file_without_final_newline(tmp_path: Path) -> None:
    data = tmp_path / "nlu"
    shutil.copytree(GOOD / "data", data)
    inform = data / "inform.yml"
    inform.write_text(inform.read_text().rstrip("\n"))
    added = add.add_example(
        "inform",
        "an [MRI](service_category) next thursday",
        data_dir=data,
        domain=GOOD / "domain.yml",
        held_out=(GOOD / "held_out",),
        scenario=GOOD / "scenario.yml",
    )
    assert added.line == 10
    assert inform.read_text().endswith(
        '    - it\'s for [surgery]{"entity": "service_category", "value": "other"}\n'
        "    - an [MRI](service_category) next thursday\n"
    )
    assert (
        checks.run_checks(
            data,
            GOOD / "domain.yml",
            held_out=(GOOD / "held_out",),
            scenario=GOOD / "scenario.yml",
            min_examples=3,
        )
        == []
    )


@pytest.mark.parametrize(
    ("intent", "example", "reason"),
    [
        ("goodbye", "  NO   thanks ", "already an example of 'deny'"),
        ("ask_contact", "email me at jane.doe@example.com", "personal data (an email address)"),
        ("ask_contact", "call me on 802 555 0199", "personal data (a phone number"),
        ("ask_pharmacy_help", "how do I contact vermont blue rx", "evaluation message"),
        ("no_such_intent", "hello", "known intents: affirm, ask_carelon_portal_error"),
        ("inform", "[x-ray](service_category)", "not a service_category value"),
        ("inform", "I'm a [nurse](role)", "entity 'role'"),
        ("greet", "two\nlines", "one non-empty line"),
    ],
)
def test_add_refuses(data_copy: Path, intent: str, example: str, reason: str) -> None:
    before = {p.name: p.read_bytes() for p in data_copy.glob("*.yml")}
    with pytest.raises(add.AddError) as refused:
        _add(data_copy, intent, example)
    assert reason in str(refused.value)
    assert {p.name: p.read_bytes() for p in data_copy.glob("*.yml")} == before


def test_add_command(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["nlu", "add", "--data", str(data_copy), "--intent"]
    assert cli.main([*argv, "thank", "thanks a bunch for the help today"]) == 0
    assert "added to chitchat.yml line" in capsys.readouterr().out
    assert cli.main([*argv, "greet", "Thanks a bunch for the help today"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bot: error:") and err.count("\n") == 1


# --- report comparison ------------------------------------------------------------------------


def metrics(accuracy: float, f1: dict[str, float], held_out: int = 100) -> dict[str, object]:
    return {
        "accuracy": accuracy,
        "macro_f1": round(sum(f1.values()) / len(f1), 4),
        "oos_rate": 0.9,
        "held_out_size": held_out,
        "clinc_size": 500,
        "per_intent": {
            name: {"precision": v, "recall": v, "f1": v, "support": 10} for name, v in f1.items()
        },
    }


def test_compare_per_intent_with_noise() -> None:
    baseline = metrics(0.9, {"a": 0.80, "b": 0.90, "c": 0.70, "d": 0.50, "gone": 1.0})
    current = metrics(0.95, {"a": 0.85, "b": 0.885, "c": 0.69, "d": 0.51, "fresh": 0.6})
    result = report.compare(current, baseline)
    verdicts = {c.name: c.verdict for c in result.intents}
    assert verdicts == {
        "a": "better",
        "b": "worse",
        "c": "unchanged",  # -0.01: within noise
        "d": "unchanged",  # +0.01: within noise
        "fresh": "new",
        "gone": "removed",
    }
    headline = {c.name: c.verdict for c in result.headline}
    assert headline == {"accuracy": "better", "macro_f1": "worse", "oos_rate": "unchanged"}
    assert result.notes == []


def test_compare_without_baseline_and_with_a_changed_test_set() -> None:
    current = metrics(0.9, {"a": 0.8})
    first = report.compare(current, None)
    assert not first.baseline_found and "No baseline yet" in first.notes[0]
    assert [c.verdict for c in first.intents] == ["new"]
    resized = report.compare(current, metrics(0.9, {"a": 0.8}, held_out=90))
    assert "held-out set changed size (90 → 100" in resized.notes[0]


def test_render_comparison_markdown() -> None:
    baseline = metrics(0.9, {"ask_contact": 0.80, "greet": 0.95})
    current = metrics(0.88, {"ask_contact": 0.70, "greet": 0.95})
    markdown = report.render_comparison(report.compare(current, baseline), current)
    assert "- **Worse** (1): ask_contact" in markdown
    assert "| held-out accuracy | 90.0% | 88.0% | -2.0 pt | worse |" in markdown
    assert "| ask_contact | 0.70 | 0.70 | 0.70 | 0.800 | -0.100 | **worse** | 10 |" in markdown
    assert "| greet | 0.95 | 0.95 | 0.95 | 0.950 | +0.000 | unchanged | 10 |" in markdown


def test_report_run_writes_reports_and_updates_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The wiring of `bot nlu report`, with training and the model replaced by fakes."""
    from bot.nlu_tools import evaluate

    out = tmp_path / "reports"
    out.mkdir()
    (out / "baseline.json").write_text(json.dumps(metrics(0.9, {"greet": 0.9, "deny": 0.9})))
    fake = evaluate.Results(
        accuracy=0.95,
        macro_f1=0.925,
        oos_rate=0.9,
        per_intent={
            "greet": {"precision": 1.0, "recall": 0.9, "f1": 0.95, "support": 10},
            "deny": {"precision": 0.9, "recall": 0.9, "f1": 0.9, "support": 10},
        },
        held_out_size=100,
        clinc_size=500,
    )
    model = tmp_path / "nlu-report.tar.gz"
    monkeypatch.setattr(report, "train_nlu", lambda *a: model)
    monkeypatch.setattr(evaluate, "evaluate", lambda *a: fake)
    assert cli.main(["nlu", "report", "--out", str(out), "--update-baseline"]) == 0
    printed = capsys.readouterr().out
    assert "vs baseline: 0 intents worse, 1 better, 1 unchanged" in printed
    for name in ("metrics.json", "intent_report.md", "misclassified.md", "comparison.md"):
        assert (out / name).is_file(), name
    assert (
        "| greet | 1.00 | 0.90 | 0.95 | 0.900 | +0.050 | **better** |"
        in (out / "comparison.md").read_text()
    )
    assert json.loads((out / "baseline.json").read_text()) == fake.as_dict()


def test_slice_accuracy_scores_blind_slices_on_their_own() -> None:
    from bot.nlu_tools import evaluate

    texts = ["Hi", "bye", "pay my bill", "is my  data safe"]
    gold = ["greet", "goodbye", "ask_premium_payment", "ask_data_impact"]
    pred = ["greet", "greet", "ask_premium_payment", "out_of_scope"]
    blind = {"pay my bill", "is my data safe"}  # normalised, as blind_texts returns them
    assert evaluate.slice_accuracy(texts, gold, pred, blind) == {
        "original": {"accuracy": 0.5, "size": 2},
        "blind": {"accuracy": 0.5, "size": 2},
    }
    assert evaluate.slice_accuracy(texts, gold, pred, set()) == {
        "original": {"accuracy": 0.5, "size": 4}
    }


def test_blind_texts_reads_only_the_blind_slices(tmp_path: Path) -> None:
    from bot.nlu_tools import evaluate

    block = 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - {}\n'
    (tmp_path / "chitchat.yml").write_text(block.format("hello there"))
    (tmp_path / "blind_slice.yml").write_text(block.format("Good  Morning"))
    assert evaluate.blind_texts(tmp_path) == {"good morning"}


# --- inbox ------------------------------------------------------------------------------------


def _event(text_: str, intent: str, confidence: float, ranking: list[tuple[str, float]]) -> str:
    return json.dumps(
        {
            "event": "user",
            "text": text_,
            "parse_data": {
                "text": text_,
                "intent": {"name": intent, "confidence": confidence},
                "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
            },
        }
    )


@pytest.fixture
def sqlite_tracker(tmp_path: Path) -> str:
    """A tracker store with Rasa's `events` table layout, filled by hand."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url, future=True)
    rows = [
        _event("blorp zib", "nlu_fallback", 0.7, [("nlu_fallback", 0.7), ("greet", 0.31)]),
        _event("Blorp   ZIB", "nlu_fallback", 0.7, [("nlu_fallback", 0.7), ("greet", 0.35)]),
        _event("text 802-555-0199 pls", "ask_contact", 0.42, [("ask_contact", 0.42)]),
        _event("where is my refill", "ask_pharmacy_help", 0.97, [("ask_pharmacy_help", 0.97)]),
        _event('/inform{"network":"in_network"}', "inform", 1.0, [("inform", 1.0)]),
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
                "type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
        )
        for i, row in enumerate(rows):
            conn.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) "
                    "VALUES (:s, 'user', :t, :i, :d)"
                ),
                {
                    "s": f"member-secret-{i}",
                    "t": float(i),
                    "i": json.loads(row)["parse_data"]["intent"]["name"],
                    "d": row,
                },
            )
        conn.execute(
            text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES "
                '(\'member-secret-9\', \'bot\', 9.0, \'{"event": "bot", "text": "hi"}\')'
            )
        )
    engine.dispose()
    return url


def test_inbox_groups_redacts_and_hides_senders(sqlite_tracker: str) -> None:
    shown = inbox.inbox(sqlite_tracker, threshold=0.6, limit=50)
    lines = shown.splitlines()
    assert lines[0].startswith("3 unsure messages") and "in 2 groups" in lines[0]
    assert "    2  nlu_fallback → greet (0.33)" in lines[2] and lines[2].endswith("blorp zib")
    assert "    1  ask_contact (0.42)" in lines[3] and lines[3].endswith("text <phone> pls")
    assert "802-555-0199" not in shown and "member-secret" not in shown
    assert "refill" not in shown and "/inform" not in shown


def test_inbox_command_needs_a_tracker_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_tracker: str
) -> None:
    monkeypatch.delenv("BOT_TRACKER_URL", raising=False)
    assert cli.main(["nlu", "inbox"]) == 1
    assert "--tracker-url" in capsys.readouterr().err
    monkeypatch.setenv("BOT_TRACKER_URL", sqlite_tracker)
    assert cli.main(["nlu", "inbox", "--limit", "1"]) == 0
    assert "showing 1" in capsys.readouterr().out


def test_inbox_unreachable_store_is_one_line_without_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql://reader:s3cret@127.0.0.1:1/nowhere"
    assert cli.main(["nlu", "inbox", "--tracker-url", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bot: error: cannot read the tracker store") and err.count("\n") == 1
    assert "s3cret" not in err


@pytest.fixture
def live_assistant(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: str
) -> Iterator[tuple[Assistant, str]]:
    """The production shape, as in test_assistant.py: store and trackers in PostgreSQL."""
    now = "2023-11-28T10:00:00-05:00"
    workdir = tmp_path_factory.mktemp("inbox")
    store_db, url = fresh_postgres_database(postgres_server)
    tracker_db, _ = fresh_postgres_database(postgres_server)
    store = Store.create(url, Clock.fixed(datetime.fromisoformat(now)))
    migrate.upgrade(store.engine)
    with store.begin("test-loader") as session:
        scenario.load(session, scenario.read(scenario.DEMO_SCENARIO), store.clock.now())
    store.dispose()
    try:
        with running_assistant(workdir, url, now, tracker_db=tracker_db) as running:
            yield running, tracker_db
    finally:
        drop_postgres_database(postgres_server, store_db)
        drop_postgres_database(postgres_server, tracker_db)


@pytest.mark.slow
def test_inbox_reads_a_real_tracker_store(live_assistant: tuple[Assistant, str]) -> None:
    running, tracker_db = live_assistant
    nonsense = "blorf quazzle snib"
    running.ask(nonsense, "inbox-secret-sender-1")
    running.ask(nonsense, "inbox-secret-sender-2")
    running.ask("hmm maybe the thing", "inbox-secret-sender-3")
    running.ask("text me at 802-555-0199 or mail jo.tester@example.com", "inbox-secret-sender-4")
    url = f"postgresql://postgres@127.0.0.1:5432/{tracker_db}"

    # What the model really predicted, straight from the store: the inbox must agree.
    stored = list(inbox.read_messages(url))
    assert [m.text for m in stored].count(nonsense) == 2
    # Which of these the model is unsure of is the model's business (make eval measures
    # it); the inbox must list exactly those, whatever they are.
    unsure = [m for m in stored if m.unsure(inbox.DEFAULT_THRESHOLD)]

    result = running.bot("nlu", "inbox", "--tracker-url", url)
    assert result.returncode == 0, result.stderr
    shown = result.stdout
    assert (f"{len(unsure)} unsure messages" if unsure else "no unsure messages") in shown
    for message in unsure:
        assert redact.redact(message.text) in shown
    if any(m.text == nonsense for m in unsure):
        assert any(
            line.startswith("    2  ") and line.endswith(nonsense) for line in shown.splitlines()
        )

    everything = running.bot("nlu", "inbox", "--tracker-url", url, "--threshold", "1.01")
    assert everything.returncode == 0, everything.stderr
    listed = everything.stdout
    assert "text me at <phone> or mail <email>" in listed
    assert any(
        line.startswith("    2  ") and line.endswith(nonsense) for line in listed.splitlines()
    )
    assert "hmm maybe the thing" in listed
    for secret in ("802-555-0199", "jo.tester", "inbox-secret-sender"):
        assert secret not in listed
