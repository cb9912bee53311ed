"""The live store on SQLite and PostgreSQL: schema, scenario, routing, validation, audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select

from bot import migrate, scenario
from bot.db import Store
from bot.errors import Conflict, Invalid, NotFound
from bot.models import AuditEntry, Channel, Route
from bot.services import channels, incidents, routing, rules, texts


def test_migrations_create_every_table_and_are_current(empty_store: Store) -> None:
    tables = set(inspect(empty_store.engine).get_table_names())
    assert {
        "channels",
        "routes",
        "incidents",
        "incident_updates",
        "data_freshness",
        "date_rules",
        "answer_texts",
        "audit_entries",
        "incident_channels",
    } <= tables
    assert migrate.is_current(empty_store.engine)


def test_migrations_downgrade_and_upgrade_again(empty_store: Store) -> None:
    migrate.downgrade(empty_store.engine, "base")
    assert "channels" not in inspect(empty_store.engine).get_table_names()
    migrate.upgrade(empty_store.engine)
    assert migrate.is_current(empty_store.engine)


def test_demo_scenario_is_faithful_to_the_notice(store: Store) -> None:
    with store.read() as s:
        assert channels.get_channel(s, "vermont_blue_rx").contact == "(877) 493-1947"
        assert channels.get_channel(s, "part_d_line").contact == "(888) 620-1746"
        assert channels.get_channel(s, "urgent_pa_answering_service").contact == "802-371-0130"
        outage = incidents.get_incident(s, "nov-2023-phone-internet")
        assert outage.data_impact_statement == (
            "No health care data has been compromised with this outage."
        )
        assert [f.current_through for f in outage.freshness] == [date(2023, 11, 26)]
        waiver = rules.get_rule(s, "prior_auth_waiver")
        assert (waiver.starts_on, waiver.ends_on) == (date(2023, 11, 22), date(2023, 12, 3))
        therapy = rules.get_rule(s, "therapy_carelon")
        assert therapy.starts_on == date(2024, 12, 1)
        assert therapy.params["max_days_in_advance"] == 30


def test_loading_twice_updates_instead_of_duplicating(store: Store) -> None:
    with store.begin("again") as s:
        before = s.scalar(select(func.count()).select_from(Route))
        scenario.load(s, scenario.read(scenario.DEMO_SCENARIO), store.clock.now())
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Route)) == before
        assert len(incidents.get_incident(s, "nov-2023-phone-internet").updates) == 2


def test_bad_scenario_loads_nothing(empty_store: Store) -> None:
    data = scenario.read(scenario.DEMO_SCENARIO)
    data["channels"][3]["status"] = "sideways"
    with pytest.raises(Invalid) as err, empty_store.begin("loader") as s:
        scenario.load(s, data, empty_store.clock.now())
    assert err.value.field == "status"
    with empty_store.read() as s:
        assert scenario.is_empty(s)


def test_times_round_trip_as_aware_utc(store: Store) -> None:
    with store.read() as s:
        started = incidents.get_incident(s, "nov-2023-phone-internet").started_at
    assert started.tzinfo is not None
    assert started == datetime.fromisoformat("2023-11-27T08:00:00-05:00")


def test_route_offers_first_working_channel_and_never_a_down_one(store: Store) -> None:
    with store.read() as s:
        offer = routing.offer(s, "pharmacy", "member")
        assert [c.key for c in offer.usable][:1] == ["vermont_blue_rx"]
        assert offer.skipped == []
    with store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "vendor outage")
    with store.read() as s:
        offer = routing.offer(s, "pharmacy", "member")
        assert [c.key for c in offer.skipped] == ["vermont_blue_rx"]
        assert "vermont_blue_rx" not in [c.key for c in offer.usable]
        assert offer.usable[0].key == "member_resource_center"


def test_route_all_down_is_reported(store: Store) -> None:
    with store.begin("ops") as s:
        for key in ("part_d_line", "member_resource_center"):
            channels.set_status(s, key, "down")
    with store.read() as s:
        assert routing.offer(s, "part_d", "member").all_down


def test_unknown_topic_and_channel_name_the_known_ones(store: Store) -> None:
    with store.read() as s:
        with pytest.raises(NotFound, match="pharmacy"):
            routing.offer(s, "astrology", "member")
        with pytest.raises(NotFound, match="vermont_blue_rx"):
            channels.get_channel(s, "nope")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: channels.set_status(s, "member_phone", "sideways"), "status"),
        (
            lambda s: channels.upsert_channel(
                s, {"key": "x", "name": "X", "kind": "phone", "contact": "555-12"}
            ),
            "contact",
        ),
        (
            lambda s: channels.upsert_channel(
                s, {"key": "Bad Key", "name": "X", "kind": "phone", "contact": "call us"}
            ),
            "key",
        ),
        (lambda s: routing.set_route(s, "pharmacy", "alien", ["vermont_blue_rx"]), "audience"),
        (
            lambda s: rules.upsert_rule(
                s,
                {
                    "key": "r",
                    "title": "R",
                    "text": "t",
                    "starts_on": "2023-12-03",
                    "ends_on": "2023-11-22",
                },
            ),
            "ends_on",
        ),
        (lambda s: texts.set_text(s, "greeting", "Hello {name"), "text"),
    ],
)
def test_invalid_writes_name_the_field_and_change_nothing(store: Store, change, field) -> None:
    with store.read() as s:
        audit_before = s.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(Invalid) as err, store.begin("ops") as s:
        change(s)
    assert err.value.field == field
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
        assert channels.get_channel(s, "member_phone").status == "down"


def test_incident_end_before_start_is_refused(store: Store) -> None:
    with pytest.raises(Invalid) as err, store.begin("ops") as s:
        incidents.update_incident(
            s,
            "nov-2023-phone-internet",
            {"status": "resolved", "resolved_at": "2023-11-01T00:00:00-05:00"},
            store.clock.now(),
        )
    assert err.value.field == "resolved_at"


def test_every_change_is_audited_with_actor_time_before_after(store: Store) -> None:
    with store.begin("dana@ops") as s:
        channels.set_status(s, "member_phone", "up", "phones restored")
    with store.read() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "channels").order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None
        assert (entry.actor, entry.action, entry.entity_key) == (
            "dana@ops",
            "update",
            "member_phone",
        )
        assert entry.before["status"] == "down" and entry.after["status"] == "up"
        assert entry.after["status_note"] == "phones restored"
        assert entry.at == store.clock.now()
        row = channels.get_channel(s, "member_phone")
        assert (row.updated_by, row.updated_at) == ("dana@ops", store.clock.now())


def test_unchanged_write_leaves_no_audit_entry(store: Store) -> None:
    with store.read() as s:
        count = s.scalar(select(func.count()).select_from(AuditEntry))
        current = channels.get_channel(s, "part_d_line")
        status, note = current.status, current.status_note
    with store.begin("ops") as s:
        channels.set_status(s, "part_d_line", status, note)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == count


def test_incident_lifecycle(store: Store) -> None:
    now = store.clock.now()
    with store.read() as s:
        assert [i.key for i in incidents.active(s, now)] == ["nov-2023-phone-internet"]
    with store.begin("ops") as s:
        incidents.resolve(s, "nov-2023-phone-internet", now, "Phones are back.")
    with store.read() as s:
        assert incidents.active(s, now) == []
        resolved = incidents.recently_resolved(s, now)
        assert [i.key for i in resolved] == ["nov-2023-phone-internet"]
        assert resolved[0].updates[-1].body == "Phones are back."
        assert incidents.recently_resolved(s, now + timedelta(days=30)) == []
    with pytest.raises(Conflict), store.begin("ops") as s:
        incidents.resolve(s, "nov-2023-phone-internet", now)


def test_scheduled_incident_is_not_active_before_it_starts(store: Store) -> None:
    with store.read() as s:
        later = datetime.fromisoformat("2024-11-05T12:00:00-05:00")
        assert "carelon-rehab-apologies" in [i.key for i in incidents.active(s, later)]
        assert "carelon-rehab-apologies" not in [
            i.key for i in incidents.active(s, store.clock.now())
        ]


def test_incident_channel_changes_are_audited(store: Store) -> None:
    with store.begin("ops") as s:
        incidents.update_incident(
            s, "nov-2023-phone-internet", {"channels": ["member_phone"]}, store.clock.now()
        )
    with store.read() as s:
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "incidents")
            .order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None
        assert entry.before["channels"] == ["member_phone", "prior_auth_portal", "provider_phone"]
        assert entry.after["channels"] == ["member_phone"]


def test_store_session_without_actor_is_refused(store: Store) -> None:
    with pytest.raises(RuntimeError), store.factory.begin() as s:
        s.add(Channel(key="x", name="x", kind="web", audience="all", contact="x"))


def test_every_new_session_factory_is_audited() -> None:
    """Listeners are keyed by id(): a factory reusing a collected one's id must still be hooked."""
    from sqlalchemy.orm import sessionmaker

    from bot import audit

    for _ in range(50):
        factory = sessionmaker()
        audit.install(factory)
        audit.install(factory)  # twice is once
        session = factory()
        hooks = [fn for fn in session.dispatch.before_flush if fn is audit._before_flush]
        session.close()
        assert len(hooks) == 1
        del factory, session
