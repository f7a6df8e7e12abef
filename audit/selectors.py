"""Reads of the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet

from audit.chain import ChainReport, EntryRecord, verify_chain
from audit.models import AuditEntry

_VERIFY_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "data",
    "prev_hash",
    "entry_hash",
)


def audit_entries(
    *,
    actor_id: int | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all().order_by("seq")
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action=action)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries


def iter_entry_records(*, after_seq: int = 0, chunk_size: int = 5000) -> Iterator[EntryRecord]:
    rows = AuditEntry.objects.filter(seq__gt=after_seq).order_by("seq").values_list(*_VERIFY_FIELDS)
    for seq, created_at, actor_id, label, action, ttype, tid, data, prev, entry in rows.iterator(chunk_size=chunk_size):
        yield EntryRecord(
            seq=seq,
            time=created_at,
            actor_id=None if actor_id is None else str(actor_id),
            actor_label=label,
            action=action,
            target_type=ttype,
            target_id=tid,
            data=data,
            prev_hash=prev,
            entry_hash=entry,
        )


def audit_chain_verify() -> ChainReport:
    return verify_chain(iter_entry_records())
