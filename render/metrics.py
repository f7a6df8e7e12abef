"""Render figures for /metrics, from the shared database (so every process answers alike): jobs by
state, gate refusals by reason code, and the durations of completed jobs. Registered with
config.metrics by RenderConfig.ready."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from config.metrics import RENDER_BUCKETS
from render.models import JobStatus, RenderJob


class RenderJobCollector(Collector):
    """Figures every process can answer alike, because they come from the shared database."""

    def collect(self) -> Iterator[Any]:
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
