"""The API description is valid OpenAPI 3.0.3 and matches the routes the app serves."""

from __future__ import annotations

from datetime import datetime

from openapi_spec_validator import validate_spec

from bot.clock import Clock
from bot.web import openapi
from bot.web.app import init_app
from bot.web.config import WebConfig

METHODS = {"get", "put", "post", "patch", "delete", "options", "head"}


def spec_operations() -> set[tuple[str, str]]:
    spec = openapi.load()["data"]
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }


def app_operations() -> set[tuple[str, str]]:
    config = WebConfig(database_url="sqlite://", clock=Clock.fixed(datetime(2023, 11, 28, 10)))
    app = init_app(config)
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
    }


def test_spec_is_valid_openapi() -> None:
    spec = openapi.load()["data"]
    assert spec["openapi"] == "3.0.3"
    validate_spec(spec)


def test_every_route_is_described_and_every_description_is_served() -> None:
    served, described = app_operations(), spec_operations()
    assert served - described == set(), "routes missing from openapi.yaml"
    assert described - served == set(), "openapi.yaml describes routes the app lacks"


def test_every_operation_documents_its_errors() -> None:
    spec = openapi.load()["data"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            codes = set(op["responses"])
            public = op.get("security") == []
            if not public:
                assert {"401", "503"} <= codes, (method, path)
            if method in ("put", "post", "patch") and not public:
                assert {"400", "403", "413", "422", "429"} <= codes, (method, path)


def test_every_write_documents_if_match_and_412() -> None:
    """Writes to a record take If-Match and may answer 412; creating an incident (no record
    yet to match) documents 412 only; single records carry their version as the ETag."""
    spec = openapi.load()["data"]
    if_match = {"$ref": "#/components/parameters/IfMatch"}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("put", "post", "patch") or op.get("security") == []:
                continue
            if op.get("x-stores-nothing"):  # a POST that only reads (the draft check)
                assert "412" not in op["responses"], (method, path)
                continue
            assert "412" in op["responses"], (method, path)
            takes_if_match = if_match in op.get("parameters", [])
            assert takes_if_match == (op["operationId"] != "createIncident"), (method, path)
            ok = next(s for s in ("200", "201") if s in op["responses"])
            assert "ETag" in op["responses"][ok].get("headers", {}), (method, path)
    operations = {
        op["operationId"]: op
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in METHODS
    }
    for op_id in ("getChannel", "getIncident", "getRoute", "getMessage"):
        assert "ETag" in operations[op_id]["responses"]["200"]["headers"], op_id


def test_the_spec_enums_are_the_store_s_own() -> None:
    """Kinds and states are declared once (bot.models, bot.services.outbound); the spec
    repeats them for clients, and must not drift."""
    from bot.models import CHANNEL_STATUSES, MESSAGE_KINDS
    from bot.services.outbound import CHECKED_STATUSES

    schemas = openapi.load()["data"]["components"]["schemas"]
    assert tuple(schemas["MessageKind"]["enum"]) == MESSAGE_KINDS
    assert tuple(schemas["ChannelStatus"]["enum"]) == CHANNEL_STATUSES
    problem = schemas["DraftCheck"]["properties"]["problems"]["items"]
    assert tuple(problem["properties"]["status"]["enum"]) == CHECKED_STATUSES
