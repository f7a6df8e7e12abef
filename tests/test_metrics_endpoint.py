"""Prometheus metrics at /metrics, for operators only: a bearer METRICS_TOKEN or a staff session.

Figures come from the database at scrape time (jobs by state, gate refusals by code, render seconds),
so any web process answers alike; queue depth comes from the Redis broker.
"""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from render.models import RenderJob
from tests.conftest import require_service
from tests.factories import make_admin, make_persona
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_refuse_anonymous_callers_wrong_tokens_and_ordinary_users(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    client.force_login(make_persona("someone").user)
    assert client.get("/metrics").status_code == 401


def test_metrics_count_jobs_by_state_refusals_by_code_and_render_seconds(tmp_path, client, settings):
    settings.METRICS_TOKEN = TOKEN
    story = make_render_story(tmp_path, max_renders=1)
    first, second = story.submit().json()["id"], story.submit().json()["id"]
    assert RenderJob.objects.get(pk=first).status == "completed"
    assert RenderJob.objects.get(pk=second).status == "refused"  # the quota is used up
    found = samples(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    assert found[("likeness_render_jobs", (("state", "completed"),))] == 1
    assert found[("likeness_render_jobs", (("state", "refused"),))] == 1
    assert found[("likeness_render_jobs", (("state", "queued"),))] == 0
    assert found[("likeness_gate_refusals", (("code", "license_exhausted"), ("state", "refused")))] == 1
    assert found[("likeness_render_job_seconds_count", ())] == 1
    assert found[("likeness_render_job_seconds_bucket", (("le", "+Inf"),))] == 1
    # Recorded by the process that ran the render (here: inline in this one).
    assert found[("likeness_render_seconds_count", (("state", "completed"),))] >= 1


def test_a_staff_session_may_read_the_metrics(client):
    client.force_login(make_admin("ops").user)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_queue_depth_is_read_from_the_redis_broker(client, settings):
    require_service("Redis", "127.0.0.1", 6379)
    import redis

    url = "redis://127.0.0.1:6379/13"
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER, settings.METRICS_TOKEN = url, False, TOKEN
    broker = redis.Redis.from_url(url)
    broker.flushdb()
    try:
        broker.rpush("renders", "a", "b", "c")
        broker.rpush("default", "d")
        found = samples(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    finally:
        broker.flushdb()
        broker.close()
    assert found[("likeness_queue_depth", (("queue", "renders"),))] == 3
    assert found[("likeness_queue_depth", (("queue", "default"),))] == 1
