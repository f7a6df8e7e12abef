"""Renders and short tasks travel on separate queues, so long renders never delay revocations,
webhooks, expiry sweeps or checkpoints; renders carry their own time limits."""

from __future__ import annotations

from django.conf import settings

import audit.tasks
import licensing.tasks
import render.tasks
from config.celery import app

TASK_MODULES = (audit.tasks, licensing.tasks, render.tasks)  # registered with the app on import


def queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_renders_are_routed_to_the_renders_queue():
    assert queue_of("render.tasks.render_job_run") == "renders"


def test_webhooks_sweeps_and_checkpoints_go_to_the_default_queue():
    for name in (
        "licensing.tasks.webhook_deliver_task",
        "licensing.tasks.webhook_retry_due_task",
        "licensing.tasks.license_expire_due_task",
        "audit.tasks.audit_checkpoint_task",
    ):
        assert queue_of(name) == "default", name
    assert set(settings.TASK_QUEUE_NAMES) == {"default", "renders"}


def test_renders_have_their_own_longer_time_limits():
    render_task = app.tasks["render.tasks.render_job_run"]
    assert (render_task.time_limit, render_task.soft_time_limit) == (
        settings.RENDER_TIME_LIMIT,
        settings.RENDER_SOFT_TIME_LIMIT,
    )
    assert settings.RENDER_SOFT_TIME_LIMIT < settings.RENDER_TIME_LIMIT
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT < settings.RENDER_TIME_LIMIT
    webhook = app.tasks["licensing.tasks.webhook_deliver_task"]
    assert webhook.time_limit == settings.CELERY_TASK_TIME_LIMIT, "short tasks take the global limit"
