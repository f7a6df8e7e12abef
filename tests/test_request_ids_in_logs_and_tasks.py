"""Every API request has an id (the caller's X-Request-ID, or a new one) that is echoed back, written
on every log line, and carried in the headers of the Celery tasks it enqueues, so a worker's log
lines name the request that caused them. (The scale-out test checks it across real processes.)"""

from __future__ import annotations

import json
import logging

import pytest

from config.logs import JsonFormatter
from config.requestid import HEADER, request_id_var
from render.models import RenderJob
from render.tasks import render_job_run
from tests.render_story import make_render_story

pytestmark = pytest.mark.django_db


def test_a_request_gets_an_id_and_echoes_the_callers_own(client):
    assert len(client.get("/healthz")[HEADER]) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-42.abc")[HEADER] == "edge-42.abc"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n")[HEADER] != "bad id\n"


def test_a_requests_id_appears_in_the_log_records_of_the_render_task_it_enqueued(tmp_path, caplog, committed_db):
    # Real commits: the job is enqueued (here: run inline) when the view's transaction commits,
    # inside the request, exactly as a web process publishes it to the broker.
    story = make_render_story(tmp_path)
    client = story.studio.client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {story.studio.token}", HTTP_X_REQUEST_ID="req-render-1")
    body = {"license_id": str(story.license.pk), "file": story.upload(), "purpose": "film", "territory": "FR"}
    with caplog.at_level(logging.INFO, logger="render.tasks"):
        response = client.post("/api/v1/render-jobs/", body, format="multipart")
    assert response.status_code == 201 and response[HEADER] == "req-render-1"
    task_records = [r for r in caplog.records if r.name == "render.tasks"]
    assert [r.request_id for r in task_records] == ["req-render-1", "req-render-1"]  # picked up, ended
    line = json.loads(JsonFormatter().format(task_records[-1]))
    assert line["request_id"] == "req-render-1" and line["job_id"] == response.json()["id"]
    assert line["state"] == "completed"


def test_publishing_a_task_copies_the_id_into_its_headers_and_the_worker_restores_it(tmp_path, caplog):
    from celery.signals import before_task_publish

    token = request_id_var.set("req-publish-7")
    try:
        headers: dict[str, str] = {}
        before_task_publish.send(sender="render.tasks.render_job_run", body=(), headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers == {"request_id": "req-publish-7"}

    # The worker side: no request is active, the id comes from the message headers only.
    story = make_render_story(tmp_path)
    job = RenderJob.objects.create(
        studio=story.studio.organisation,
        submitted_by=story.studio.user,
        requested_license_id=story.license.pk,
        target_name="missing",
        target_sha256="0" * 64,
        media_type="image",
        purpose="film",
        territory="FR",
        created_at=story.license.created_at,
        status="cancelled",
    )
    with caplog.at_level(logging.INFO, logger="render.tasks"):
        render_job_run.apply(args=(str(job.pk),), headers=headers)
    assert {r.request_id for r in caplog.records if r.name == "render.tasks"} == {"req-publish-7"}
    assert request_id_var.get() is None, "the id does not leak into the next task"


def test_json_log_lines_carry_the_message_the_level_and_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f", 1, "failed %s", ("job",), None)
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["message"]) == ("ERROR", "x", "failed job")
    assert "ValueError: boom" in line["exc"]


def test_every_web_request_logs_an_access_line_with_its_id_in_both_formats(client, caplog, db):
    import logging

    from config.logs import JsonFormatter

    caplog.set_level(logging.INFO, logger="config.access")
    response = client.get("/verify/", HTTP_X_REQUEST_ID="req-page-3")
    assert response.status_code == 200
    lines = [r for r in caplog.records if r.name == "config.access"]
    assert len(lines) == 1 and lines[0].request_id == "req-page-3"
    assert json.loads(JsonFormatter().format(lines[0]))["request_id"] == "req-page-3"
    plain = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    assert "[req-page-3] GET /verify/ 200" in plain.format(lines[0])


def test_the_configured_console_handler_writes_the_request_id_on_a_plain_line(settings):
    import logging

    console = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    token = request_id_var.set("req-line-9")
    try:
        record = logging.getLogger("web").makeRecord("web", logging.INFO, __file__, 1, "page shown", (), None)
    finally:
        request_id_var.reset(token)
    assert "[req-line-9] page shown" in console.format(record)
