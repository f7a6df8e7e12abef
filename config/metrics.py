"""Prometheus metrics at `/metrics`, for operators only (a bearer METRICS_TOKEN, or a staff session).

Gauges are computed from the database at scrape time, so any web process answers the same figures
however many web and worker processes run: render jobs by state, gate refusals by reason code, and a
histogram of render seconds (started to finished, completed jobs). Queue depth is read from the
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
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
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


class DatabaseCollector(Collector):
    """Figures every process can answer alike, because they come from the shared database."""

    def collect(self) -> Iterator[Any]:
        from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

        from render.models import JobStatus, RenderJob

        jobs = GaugeMetricFamily("likeness_render_jobs", "Render jobs by state", labels=["state"])
        counts = dict(RenderJob.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        for state in JobStatus.values:
            jobs.add_metric([state], counts.get(state, 0))
        yield jobs

        refusals = GaugeMetricFamily(
            "likeness_gate_refusals",
            "Render jobs stopped by the licence gate, by reason code",
            labels=["code", "state"],
        )
        stopped = (
            RenderJob.objects.filter(status__in=[JobStatus.REFUSED, JobStatus.REVOKED])
            .values_list("refusal_reason", "status")
            .annotate(n=Count("id"))
        )
        for code, state, n in stopped:
            refusals.add_metric([code or "unknown", state], n)
        yield refusals

        duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        done = RenderJob.objects.filter(status=JobStatus.COMPLETED, started_at__isnull=False, finished_at__isnull=False)
        done = done.annotate(seconds=duration)
        aggregates = {
            f"le_{i}": Count("id", filter=Q(seconds__lte=timedelta(seconds=b))) for i, b in enumerate(RENDER_BUCKETS)
        }
        row = done.aggregate(total=Count("id"), seconds_sum=Sum("seconds"), **aggregates)
        total_seconds = row["seconds_sum"].total_seconds() if row["seconds_sum"] else 0.0
        buckets = [(str(b), row[f"le_{i}"]) for i, b in enumerate(RENDER_BUCKETS)] + [("+Inf", row["total"])]
        yield HistogramMetricFamily(
            "likeness_render_job_seconds",
            "Seconds from start to completion of completed render jobs (from the database)",
            buckets=buckets,
            sum_value=total_seconds,
        )


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
    registry.register(DatabaseCollector())
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
