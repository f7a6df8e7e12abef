"""Celery beat makes audit checkpoints: the schedule names a task the worker really has."""

from __future__ import annotations

from django.conf import settings

from config.celery import app


def test_the_beat_schedule_points_at_a_registered_task():
    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == float(settings.AUDIT_CHECKPOINT_INTERVAL_SECONDS)
