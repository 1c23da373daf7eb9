"""Prometheus metrics of one backend app, in a registry of its own (never the global one).

    metrics = Metrics()                                  # each app makes its own
    metrics.tiktok_call(RETURNS_SEARCH_PATH, "ok", 0.042)
    metrics.refresh("background", "ok"); metrics.widget_token_cache("hit")
    metrics.webhook("received")                          # or duplicate, done, retried, gave_up
    app = CountRequests(app, metrics, routes)            # requests by route template and status
    body, content_type = metrics.exposition()            # what GET /metrics serves

Counted whether or not they are served (it costs a dict lookup); ``/metrics`` and
the request counting exist only with ``TIKTOKSHOP_METRICS=1`` (see _app.py). Each
process counts its own: scrape every worker. Labels are route templates, TikTok's
path templates and outcomes, never a seller id, shop id, return id or token: a
return id in TikTok's path becomes ``{return_id}``, any other long number ``{id}``,
a request to no route is ``unmatched``, a method
nobody uses ``other``.
"""

import re
import time
from collections.abc import Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tiktokshop_protocol import RETURN_APPROVE_PATH, RETURN_REJECT_PATH

PREFIX = "tiktokshop_backend_"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_TEMPLATES = [(re.compile("^" + re.escape(t).replace(re.escape("{return_id}"), "[^/]+") + "$"), t)
              for t in (RETURN_APPROVE_PATH, RETURN_REJECT_PATH)]
_LONG_NUMBER = re.compile(r"/[0-9]{10,}(?=/|$)")


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Histogram(
            PREFIX + "requests", "Requests served, by route template, method and status, "
            "with their duration in seconds", ["route", "method", "status"],
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.tiktok_requests = Histogram(
            PREFIX + "tiktok_requests", "Requests to TikTok (Open API and auth host), each "
            "attempt, by path template and outcome, with their duration in seconds",
            ["path", "outcome"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.refreshes = Counter(
            PREFIX + "token_refreshes", "Access-token refreshes, by trigger (background or "
            "on_demand) and outcome (ok; refused: the seller must reconnect; failed: TikTok "
            "failed, tried again later)", ["trigger", "outcome"], registry=self.registry)
        self.refresher_passes = Counter(
            PREFIX + "refresher_passes", "Background refresher passes, by result (ran; "
            "skipped: another process held the pass; failed)", ["result"],
            registry=self.registry)
        self.widget_token_cache_lookups = Counter(
            PREFIX + "widget_token_cache", "Widget-token cache lookups, by result (hit or miss)",
            ["result"], registry=self.registry)
        self.webhooks = Counter(
            PREFIX + "webhooks", "TikTok's webhooks, by outcome (received: new, recorded; "
            "duplicate: received before; done: its work done; retried: an attempt failed, "
            "tried again later; gave_up: attempts ran out). Received but not yet done or "
            "given up is pending", ["outcome"], registry=self.registry)

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).observe(seconds)

    def tiktok_call(self, path: str, outcome: str, seconds: float) -> None:
        self.tiktok_requests.labels(path_template(path), outcome).observe(seconds)

    def refresh(self, trigger: str, outcome: str) -> None:
        self.refreshes.labels(trigger, outcome).inc()

    def refresher_pass(self, result: str) -> None:
        self.refresher_passes.labels(result).inc()

    def widget_token_cache(self, result: str) -> None:
        self.widget_token_cache_lookups.labels(result).inc()

    def webhook(self, outcome: str) -> None:
        self.webhooks.labels(outcome).inc()

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def path_template(path: str) -> str:
    """TikTok's path without the ids in it."""
    for pattern, template in _TEMPLATES:
        if pattern.match(path):
            return template
    return _LONG_NUMBER.sub("/{id}", path)


class CountRequests:
    """ASGI middleware: each HTTP request's route template, method, status and duration."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[BaseRoute]):
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before any reply: the server answers 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.request(self._route(scope), method, status,
                                 time.perf_counter() - started)

    def _route(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:  # PARTIAL: the path, with a method it does not take
                return getattr(route, "path", UNMATCHED)
        return UNMATCHED
