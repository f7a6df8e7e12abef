"""Request ids: one id per request, carried into every log line and every Celery task it enqueues.

The middleware accepts a caller's `X-Request-ID` (when it is a short, printable token) or makes one,
keeps it in a context variable for the rest of the request and echoes it in the response. Publishing
a task copies the current id into the message headers (`before_task_publish`); a worker sets it again
before running the task (`task_prerun`) and clears it afterwards, so a task's log lines name the
request that caused it, whichever process runs it. A log record factory (and `RequestIdFilter`, for
records made elsewhere) puts the id on every record.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# One access line per request, carrying the request id (gunicorn's own access log cannot see it);
# probes and metrics scrapes are left out, they would drown everything else.
access_logger = logging.getLogger("config.access")
_QUIET_PATHS = {"/healthz", "/readyz", "/metrics"}

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_task_tokens: dict[str, contextvars.Token[str | None]] = {}


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if _VALID.match(given) else new_request_id()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            if request.path not in _QUIET_PATHS:
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                access_logger.info(
                    "%s %s %s %sms",
                    request.method,
                    request.path,
                    response.status_code,
                    duration_ms,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                    },
                )
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


def _install_record_factory() -> None:
    """Every log record gets `request_id` when it is made, whichever handler later sees it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id_var.get()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_install_record_factory()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or None) to each record, so formatters can always name it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


@before_task_publish.connect
def _add_request_id_header(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def _request_id_of(task: Any) -> str | None:
    request = getattr(task, "request", None)
    if request is None:
        return None
    found = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    return str(found) if found and _VALID.match(str(found)) else None


@task_prerun.connect
def _set_request_id(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    # Inline (eager) tasks run inside the request and already see its id; keep it when no header came.
    request_id = _request_id_of(task)
    if request_id is not None and task_id is not None:
        _task_tokens[task_id] = request_id_var.set(request_id)


@task_postrun.connect
def _clear_request_id(task_id: str | None = None, **_: Any) -> None:
    token = _task_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        request_id_var.reset(token)
