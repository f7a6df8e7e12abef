"""The Celery application. Settings come from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("likeness_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Connects the signals that carry a request's id into the tasks it enqueues (config/requestid.py).
import config.requestid  # noqa: E402, F401
