"""Writing to the default storage (local files or the S3 bucket) without leaving half-written files.

A full disk (ENOSPC, EDQUOT) or an unreachable S3 server is an outage, not a bug: callers get
`InsufficientStorage` (507, `storage_full`) or `Unavailable` (503, `storage_unavailable`), and a file
that was being written when the space ran out is deleted again, so no one is ever handed a
truncated upload or output. (Django's FileSystemStorage leaves the partial file behind; S3 PUTs
are all-or-nothing already.)
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files import File
from django.core.files.storage import default_storage

from config.errors import DomainError, ErrorCode, InsufficientStorage, Unavailable

logger = logging.getLogger(__name__)

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_FULL_S3_CODES = {"EntityTooLarge", "QuotaExceeded", "InsufficientStorage", "XMinioStorageFull"}

T = TypeVar("T")


def storage_failure(exc: BaseException) -> DomainError | None:
    """The client-facing error for a storage failure, or None when `exc` is no storage outage."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return InsufficientStorage("file storage is full; nothing was stored", code=ErrorCode.STORAGE_FULL)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if error.get("Code") in _FULL_S3_CODES:
            return InsufficientStorage("file storage is full; nothing was stored", code=ErrorCode.STORAGE_FULL)
        if status >= 500 or error.get("Code") in {"ServiceUnavailable", "SlowDown", "InternalError"}:
            return Unavailable("file storage is not answering; try again shortly", code=ErrorCode.STORAGE_UNAVAILABLE)
        return None
    if isinstance(exc, BotoCoreError):  # connection refused, reset, timed out
        return Unavailable("file storage cannot be reached; try again shortly", code=ErrorCode.STORAGE_UNAVAILABLE)
    return None


def storage_call(operation: Callable[[], T]) -> T:
    """Run one storage operation, turning an outage into its DomainError."""
    try:
        return operation()
    except Exception as exc:
        failure = storage_failure(exc)
        if failure is None:
            raise
        logger.warning("storage operation failed: %s (%s)", type(exc).__name__, failure.code)
        raise failure from exc


def storage_save(name: str, source: Path) -> str:
    """Store the file at `source` as `name` (or a free variant of it); returns the stored name.

    On failure nothing stays visible under the name: the partial file is removed before the error
    (InsufficientStorage or Unavailable) is raised.
    """
    target = storage_call(lambda: default_storage.get_available_name(name))
    try:
        with source.open("rb") as handle:
            return storage_call(lambda: default_storage.save(target, File(handle)))
    except BaseException:
        storage_delete_quietly(target)
        raise


def storage_delete_quietly(name: str) -> bool:
    """Delete `name` if it exists; False (logged) when storage cannot be reached to do it."""
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
        return True
    except Exception as exc:
        if storage_failure(exc) is None and not isinstance(exc, OSError):
            raise
        logger.warning("could not delete %s from storage: %s", name, type(exc).__name__)
        return False
