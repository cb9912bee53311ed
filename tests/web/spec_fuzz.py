"""A property-based fuzzer driven by openapi.yaml (hypothesis).

Schemathesis would be the obvious tool, but no release of it fits this project's pins:
3.25+ needs jsonschema>=4.18 (Rasa pins <4.18), 3.15-3.24 need pytest<8, and 3.14 breaks
on werkzeug 3 / current starlette (hypothesis-jsonschema 0.22, the last for jsonschema<4.18,
breaks on current hypothesis too). This does the part we need: for every operation in the
spec, generate path, query and body values from their schemas (the small subset of
OpenAPI schemas openapi.yaml uses), plus mutated and arbitrary JSON bodies for the error
paths; send them to a live server over HTTP; check that the answer is never a 5xx, is a
documented status, and matches its schema.
"""

from __future__ import annotations

import copy
import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator, oas30_format_checker

METHODS = ("get", "put", "post", "patch", "delete", "options")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)


def inline_refs(node: Any, root: dict[str, Any]) -> Any:
    """Replace every ``$ref`` by a copy of its target (the spec has no recursive types)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return inline_refs(copy.deepcopy(target), root)
        return {k: inline_refs(v, root) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(v, root) for v in node]
    return node


_OFFSETS = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def from_schema(
    schema: dict[str, Any], hints: dict[str, list[Any]] | None = None, name: str = ""
) -> st.SearchStrategy[Any]:
    """Values valid for an (inlined) OpenAPI 3.0 schema, for the subset openapi.yaml uses.

    ``hints`` maps a property name to realistic values (known channel keys, a valid phone
    number), mixed in so generated writes often pass validation and reach the store.
    """
    hints = hints or {}
    if schema.get("nullable"):
        rest = {k: v for k, v in schema.items() if k != "nullable"}
        return st.none() | from_schema(rest, hints, name)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        if not properties and schema.get("additionalProperties", True) is not False:
            return st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=4)
        return st.fixed_dictionaries(
            {k: from_schema(v, hints, k) for k, v in properties.items() if k in required},
            optional={
                k: from_schema(v, hints, k) for k, v in properties.items() if k not in required
            },
        )
    if kind == "array":
        return st.lists(
            from_schema(schema.get("items", {}), hints, name),
            min_size=schema.get("minItems", 0),
            max_size=max(schema.get("minItems", 0), 4),
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "string":
        base = _string(schema)
        return st.sampled_from(hints[name]) | base if hints.get(name) else base
    return JSON_VALUES


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        likely = st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1), timezones=_OFFSETS)
        return (likely | st.datetimes(timezones=_OFFSETS)).map(lambda d: d.isoformat())
    if schema.get("format") == "date":
        return (st.dates(date(2000, 1, 1), date(2040, 1, 1)) | st.dates()).map(
            lambda d: d.isoformat()
        )
    if "pattern" in schema:  # ECMA '$' is end of input; Python's also allows a newline
        return st.from_regex(schema["pattern"].removesuffix("$") + r"\Z")
    return st.text(
        min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 60), 60)
    )


def mutated(schema: dict[str, Any], hints: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """A valid object with one field replaced by arbitrary JSON (wrong types, nulls...)."""

    @st.composite
    def build(draw: Callable[..., Any]) -> Any:
        value = draw(from_schema(schema, hints))
        if isinstance(value, dict):
            names = sorted({*value, *schema.get("properties", {}), "unknown_field"})
            value[draw(st.sampled_from(names))] = draw(JSON_VALUES)
        return value

    return build()


@dataclass
class Operation:
    method: str
    path: str
    spec: dict[str, Any]
    parameters: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        return content.get("application/json", {}).get("schema")


def operations(spec: dict[str, Any]) -> list[Operation]:
    resolved = inline_refs(spec, spec)
    result = []
    for path, item in resolved["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                op = item[method]
                result.append(Operation(method, path, op, [*shared, *op.get("parameters", [])]))
    return result


def _path_value(
    path: str, param: dict[str, Any], known: dict[str, list[str]]
) -> st.SearchStrategy[str]:
    """Known keys (to reach real rows) or anything the schema allows, as one URL segment;
    keys known as ``"<path> {name}"`` are the only ones that path gets (a release needs a
    held message: one success is all it can have, and a random key never is one)."""
    schema = {**param["schema"]}
    if schema.get("type") == "string" and "enum" not in schema:
        schema["minLength"] = 1
    generated = from_schema(schema).filter(lambda v: v not in (".", "..") and "/" not in v)
    name = param["name"]
    only = known.get(f"{path} {{{name}}}")
    if only:
        return st.sampled_from(only)
    choices = known.get(name, [])
    return st.sampled_from(choices) | generated if choices else generated


def _header_value() -> st.SearchStrategy[str]:
    return st.from_regex(r'[!-~]{0,40}|"[0-9a-f]{32}"', fullmatch=True)


@dataclass
class Request:
    method: str
    url: str
    body: bytes | None
    headers: dict[str, str]


def request_strategy(
    op: Operation, known: dict[str, list[str]], headers: dict[str, str]
) -> st.SearchStrategy[Request]:
    @st.composite
    def build(draw: Callable[..., Any]) -> Request:
        path = op.path
        query: dict[str, str] = {}
        sent = dict(headers)
        for param in op.parameters:
            where, name = param["in"], param["name"]
            if where == "path":
                value = draw(_path_value(op.path, param, known))
                path = path.replace("{" + name + "}", quote(value, safe=""))
            elif where == "query":
                if not param.get("required") and draw(st.booleans()):
                    continue
                choices = known.get(f"?{name}", [])
                strategy = from_schema(param["schema"])
                value = draw(st.sampled_from(choices) | strategy if choices else strategy)
                query[name] = json.dumps(value) if isinstance(value, bool) else str(value)
            elif where == "header" and draw(st.booleans()):
                sent[name] = draw(_header_value())
        body: bytes | None = None
        schema = op.body_schema
        if schema is not None:
            mode = draw(st.sampled_from(["schema", "schema", "mutated", "any_json", "none"]))
            if mode == "schema":
                body = json.dumps(draw(from_schema(schema, known))).encode()
            elif mode == "mutated":
                body = json.dumps(draw(mutated(schema, known))).encode()
            elif mode == "any_json":
                body = json.dumps(draw(JSON_VALUES)).encode()
            if body is not None:
                sent["Content-Type"] = "application/json"
        url = path + ("?" + urlencode(query) if query else "")
        return Request(op.method.upper(), url, body, sent)

    return build()


#: Operations that need the running assistant (not started here): their documented 503
#: ("the assistant is not running") is the correct answer, not a server bug.
NEEDS_ASSISTANT = {"GET /api/lookup"}


def check_response(op: Operation, status: int, headers: Any, payload: bytes) -> None:
    if not (status == 503 and op.name in NEEDS_ASSISTANT):
        assert status < 500, f"{op.name}: server error {status}: {payload[:500]!r}"
    responses = op.spec["responses"]
    assert str(status) in responses, f"{op.name}: undocumented status {status}: {payload[:300]!r}"
    assert headers.get("X-Request-ID"), f"{op.name}: no X-Request-ID"
    content = responses[str(status)].get("content", {})
    if "application/json" in content:
        assert headers.get("Content-Type", "").startswith("application/json"), op.name
        schema = content["application/json"]["schema"]
        document = json.loads(payload)
        validator = OAS30Validator(schema, format_checker=oas30_format_checker)
        errors = [e.message for e in validator.iter_errors(document)]
        assert not errors, f"{op.name} {status}: response does not match the spec: {errors[:3]}"


def _send(port: int, request: Request) -> tuple[int, Any, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(request.method, request.url, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _property(
    port: int, op: Operation, known: dict[str, list[str]], headers: dict[str, str], counts: dict
) -> Callable[[], None]:
    @given(request_strategy(op, known, headers))
    def run(request: Request) -> None:
        status, response_headers, payload = _send(port, request)
        counts[status] = counts.get(status, 0) + 1
        check_response(op, status, response_headers, payload)

    return run


def fuzz(
    port: int,
    spec: dict[str, Any],
    known: dict[str, list[str]],
    headers: dict[str, str],
    *,
    max_examples: int = 30,
) -> dict[str, dict[int, int]]:
    """Run every operation; returns status counts per operation (for a sanity check)."""
    seen: dict[str, dict[int, int]] = {}
    budget = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    for op in operations(spec):
        counts = seen.setdefault(op.name, {})
        budget(_property(port, op, known, headers, counts))()
    return seen
