"""The endpoints an operator's probes and scraper call, outside the page's API.

    GET /healthz   200 {"status": "ok"}: the process answers (liveness)
    GET /readyz    200 {"ready": true, "checks": {"database": "ok", "redis": "ok"}} when the
                   database and Redis (if configured) answer within READY_TIMEOUT_S; else 503,
                   "ready": false, with the one(s) not reachable named, in checks and message
    GET /metrics   Prometheus' text format (only with TIKTOKSHOP_METRICS=1)

No origin check, rate limit or session: they say nothing about any seller. Put
them behind your proxy's allow list if the backend is public.
"""

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

logger = logging.getLogger("tiktokshop_backend.operations")

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
READY_TIMEOUT_S = 2.0
NO_STORE = {"cache-control": "no-store"}


def routes(services) -> list[Route]:
    probes = Probes(services)
    found = [Route(HEALTH_PATH, probes.health, methods=["GET"]),
             Route(READY_PATH, probes.ready, methods=["GET"])]
    if services.settings.metrics:
        found.append(Route(METRICS_PATH, probes.metrics, methods=["GET"]))
    return found


class Probes:
    def __init__(self, services):
        self.services = services

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"}, headers=NO_STORE)

    async def ready(self, request: Request) -> JSONResponse:
        names, probes = ["database"], [self.services.store.ping()]
        if self.services.settings.redis_url:
            names.append("redis")
            probes.append(self.services.shared.ping())
        results = dict(zip(names, await asyncio.gather(*map(self._check, probes)), strict=True))
        results.setdefault("redis", "not configured")  # this process is the shared state
        down = [name for name, result in results.items() if result.startswith("unreachable")]
        body = {"ready": not down, "checks": results}
        if down:
            body["message"] = "not ready: " + " and ".join(
                f"{name} {results[name]}" for name in down)
            logger.warning("%s", body["message"])
        return JSONResponse(body, status_code=503 if down else 200, headers=NO_STORE)

    async def metrics(self, request: Request) -> Response:
        body, content_type = self.services.metrics.exposition()
        return Response(body, headers={"content-type": content_type, **NO_STORE})

    @staticmethod
    async def _check(probe) -> str:
        try:
            await asyncio.wait_for(probe, READY_TIMEOUT_S)
        except TimeoutError:
            return f"unreachable (no answer within {READY_TIMEOUT_S:g} s)"
        except Exception as exc:  # whatever the driver raises: say what kind, not its text
            return f"unreachable ({type(exc).__name__})"
        return "ok"
