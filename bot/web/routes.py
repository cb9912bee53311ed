"""Every URL of the service, in one table (the OpenAPI test checks it against the spec)."""

from __future__ import annotations

from aiohttp import web

from bot.web import (
    catalog,
    incidents,
    lookup,
    messages,
    pages,
    public,
    stats,
    statuspage,
    translations,
)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/healthz", public.healthz, allow_head=False)
    r.add_get("/readyz", public.readyz, allow_head=False)
    r.add_get("/status.json", public.status_json, allow_head=False)
    r.add_route("OPTIONS", "/status.json", public.status_preflight)
    r.add_get("/api/v2/summary.json", statuspage.summary_json, allow_head=False)
    r.add_route("OPTIONS", "/api/v2/summary.json", public.status_preflight)
    r.add_get("/history.atom", statuspage.history_atom, allow_head=False)
    r.add_route("OPTIONS", "/history.atom", public.status_preflight)
    r.add_get("/openapi.json", public.openapi_json, allow_head=False)
    r.add_get("/openapi.yaml", public.openapi_yaml, allow_head=False)

    r.add_get("/api/incidents", incidents.list_incidents, allow_head=False)
    r.add_post("/api/incidents", incidents.create_incident)
    r.add_get("/api/incidents/{key}", incidents.get_incident, allow_head=False)
    r.add_patch("/api/incidents/{key}", incidents.patch_incident)
    r.add_post("/api/incidents/{key}/resolve", incidents.resolve_incident)
    r.add_post("/api/incidents/{key}/updates", incidents.post_update)
    r.add_put("/api/incidents/{key}/freshness/{system}", incidents.put_freshness)

    r.add_get("/api/channels", catalog.list_channels, allow_head=False)
    r.add_get("/api/channels/{key}", catalog.get_channel, allow_head=False)
    r.add_put("/api/channels/{key}", catalog.put_channel)
    r.add_post("/api/channels/{key}/status", catalog.set_channel_status)
    r.add_get("/api/routes/{topic}", catalog.get_route, allow_head=False)
    r.add_put("/api/routes/{topic}/{audience}", catalog.put_route)
    r.add_get("/api/rules", catalog.list_rules, allow_head=False)
    r.add_put("/api/rules/{key}", catalog.put_rule)
    r.add_get("/api/texts", catalog.list_texts, allow_head=False)
    r.add_put("/api/texts/{key}", catalog.put_text)

    r.add_get("/api/translations", translations.list_translations, allow_head=False)
    r.add_get("/api/translations/missing", translations.missing, allow_head=False)
    r.add_put("/api/translations/{owner}/{key}/{field}/{language}", translations.put_translation)
    r.add_post("/api/translations/{owner}/{key}/{field}/{language}/approve", translations.approve)

    r.add_get("/api/messages", messages.list_messages, allow_head=False)
    r.add_post("/api/messages/check", messages.check_draft)
    r.add_get("/api/messages/{key}", messages.get_message, allow_head=False)
    r.add_put("/api/messages/{key}", messages.put_message)
    r.add_post("/api/messages/{key}/release", messages.release_message)

    r.add_get("/api/audit", lookup.audit, allow_head=False)
    r.add_get("/api/answer", lookup.answer, allow_head=False)
    r.add_get("/api/stats", stats.get_stats, allow_head=False)
    pages.setup(app)
