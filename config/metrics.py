"""Prometheus metrics at `/metrics`, for operators only (a bearer METRICS_TOKEN, or a staff session).

Gauges are computed from the database at scrape time, by collectors the apps register (render's,
in render/metrics.py), so any web process answers the same figures however many web and worker
processes run: render jobs by state, gate refusals by reason code, and a histogram of render seconds
(started to finished, completed jobs). Queue depth is read from the
broker (LLEN of each queue's list when the broker is Redis).

`RENDER_SECONDS` is also recorded by the worker process that renders. A process-local histogram is
invisible to the web process that is scraped, so with several processes either scrape each worker
(prometheus_client multiprocess mode: set PROMETHEUS_MULTIPROC_DIR to a shared, emptied-at-start
directory for all processes of one host, and this view aggregates it) or rely on the database-derived
`likeness_render_job_seconds` histogram, which needs no set-up. See deploy/OPERATIONS.md.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

RENDER_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

# Recorded by the worker that ran the render (process-local unless multiprocess mode is on).
RENDER_SECONDS = Histogram(
    "likeness_render_seconds",
    "Seconds one render job took in this worker, by final state",
    ["state"],
    buckets=RENDER_BUCKETS,
)

# Requests let through unchecked because the rate-limit cache was unreachable (config/throttling.py).
RATE_LIMIT_UNAVAILABLE = Counter(
    "likeness_rate_limit_unavailable",
    "Requests whose rate limit could not be checked (cache unreachable) and were let through",
    ["scope"],
)


# Collectors of figures every process can answer alike, because they come from the shared database.
# Apps register theirs when they are ready (render: jobs by state, refusals, durations), so this
# module, below every app, imports none of them.
_DATABASE_COLLECTORS: list[Collector] = []


def register_database_collector(collector: Collector) -> None:
    """Serve `collector` on /metrics from now on (called from an app's AppConfig.ready)."""
    if all(type(c) is not type(collector) for c in _DATABASE_COLLECTORS):
        _DATABASE_COLLECTORS.append(collector)


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue; empty when tasks run inline or the broker is not Redis."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url or not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return {queue: int(client.llen(queue)) for queue in settings.TASK_QUEUE_NAMES}
    finally:
        client.close()


class QueueCollector(Collector):
    def collect(self) -> Iterator[Any]:
        depth = GaugeMetricFamily("likeness_queue_depth", "Tasks waiting in each Celery queue", labels=["queue"])
        try:
            for queue, n in queue_depths().items():
                depth.add_metric([queue], n)
        except Exception as exc:  # a scrape reports what it can; the broker's health is /readyz's job
            logger.warning("queue depth unavailable: %s", exc)
        yield depth


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    for collector in _DATABASE_COLLECTORS:
        registry.register(collector)
    registry.register(QueueCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    return registry


class _DefaultRegistry(Collector):
    """This process's own metrics (RENDER_SECONDS, process and platform collectors)."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        body = {"error": {"code": "not_authenticated", "message": "metrics are for operators", "detail": {}}}
        response = JsonResponse(body, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
