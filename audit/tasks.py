"""Celery entry points for the audit app."""

from __future__ import annotations

from celery import shared_task

from audit.checkpoints import audit_checkpoint_create
from audit.models import AuditEntry


@shared_task(name="audit.tasks.audit_checkpoint_task", acks_late=True)
def audit_checkpoint_task() -> int | None:
    """Made by beat every AUDIT_CHECKPOINT_INTERVAL_SECONDS; safe to run twice (same head, same file)."""
    if not AuditEntry.objects.exists():
        return None
    return audit_checkpoint_create().tree_size
