"""Checkpoints by count: the append whose seq is a multiple of AUDIT_CHECKPOINT_EVERY_ENTRIES asks,
once its transaction commits, for a checkpoint to be made (a task on the default queue; inline in
the embedded default).

So the entries outside every signed head (which a database writer could cut unseen) are at most
AUDIT_CHECKPOINT_EVERY_ENTRIES - 1, plus those appended while that checkpoint is being made, and
never older than AUDIT_CHECKPOINT_INTERVAL_SECONDS (beat). Seqs are gapless and a rolled-back append
gives its seq to the next one, so every multiple is reached by exactly one committed append. The
cost on the append path is one modulo; nothing is queued for the other appends.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def _enqueue_checkpoint() -> None:
    from audit.tasks import audit_checkpoint_task

    audit_checkpoint_task.delay()


def checkpoint_when_due(seq: int) -> None:
    """Called by audit_record with the seq it appended."""
    if seq % settings.AUDIT_CHECKPOINT_EVERY_ENTRIES == 0:
        # robust: a broker outage must not fail the write that already committed; beat catches up.
        transaction.on_commit(_enqueue_checkpoint, robust=True)
