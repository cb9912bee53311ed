"""The operations HTTP API: incidents, channels, routes, rules, texts, audit, public status.

``init_app(WebConfig)`` builds the aiohttp application; ``bot serve`` runs it. Every store
call is synchronous SQLAlchemy run in a thread under a timeout, so a slow store answers 503
instead of hanging the event loop.

Import from the modules (``bot.web.app.init_app``, ``bot.web.config.WebConfig``): the CLI
imports this package for its commands and should not pay for aiohttp unless it serves.
"""
