"""Stored render uploads that no job needs any more.

Uploads are stored once per content (`uploads/<sha256>.<ext>`) and shared by every job submitted with
the same bytes. One whose every job was refused by the licence gate will never be rendered: it is
deleted once the refusal commits, so a studio refused for a file it may not use leaves nothing behind.
A job still waiting for, running or holding a result from the same bytes keeps it.
"""

from __future__ import annotations

import logging

from config.storage import storage_delete_quietly
from render.models import JobStatus, RenderJob

logger = logging.getLogger(__name__)


def upload_discard_if_unused(name: str) -> bool:
    """Delete the stored upload `name` unless a job that was not refused names it; True if deleted."""
    if not name or RenderJob.objects.filter(target_name=name).exclude(status=JobStatus.REFUSED).exists():
        return False
    deleted = storage_delete_quietly(name)
    if deleted:
        logger.info("deleted upload %s: every job submitted with it was refused", name)
    return deleted
