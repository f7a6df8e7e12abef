"""Structured logs: one JSON object per line, with the request id that caused the work.

Stdlib only. Fields: time (UTC, ISO 8601), level, logger, message, request_id, process, and for
Celery tasks task_id and task_name; an exception adds `exc`. Anything passed in `extra=` that is
JSON-serialisable is kept too. Chosen by LOG_FORMAT=json (the production default).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "request_id"}


def _task_fields() -> dict[str, Any]:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return {}
    if not current_task or getattr(current_task.request, "id", None) is None:
        return {}
    return {"task_id": current_task.request.id, "task_name": current_task.name}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "process": record.process,
        }
        body.update(_task_fields())
        for key, value in record.__dict__.items():
            if key in _STANDARD or key in body:
                continue
            try:
                json.dumps(value)
                body[key] = value
            except (TypeError, ValueError):
                body[key] = repr(value)
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)
