"""The one way to write to the audit trail: `audit_record`.

Call it inside the same `transaction.atomic()` block as the write it describes, so the entry and
the change commit or roll back together.

Appends are serialised: the next seq and the previous hash can only be read once the previous
append has committed, otherwise two writers would both chain onto the same entry (a fork) or a
rolled-back entry would leave a gap. On PostgreSQL a transaction-scoped advisory lock orders the
appenders and is released at commit; on SQLite the connection opens every transaction with
BEGIN IMMEDIATE (see settings), which already gives one writer at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, canonical_entry, chain_hash, normalise_data
from audit.models import AuditEntry

# Arbitrary but fixed: the advisory lock key that serialises audit appends on PostgreSQL.
_APPEND_LOCK_KEY = 0x417564_69744C6F67 & 0x7FFFFFFFFFFFFFFF

SYSTEM_LABEL = "system"


@dataclass(frozen=True)
class AuditTarget:
    """A target that is not (or no longer) a model instance."""

    type: str
    id: str


def describe_target(target: models.Model | AuditTarget) -> tuple[str, str]:
    if isinstance(target, AuditTarget):
        return target.type, target.id
    if target.pk is None:
        raise ValueError("audit target must be saved before it is audited")
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk)


def describe_actor(actor: Any, label: str | None) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, label or (SYSTEM_LABEL if actor is None else "anonymous")
    return int(actor.pk), label or actor.get_username()


def _lock_and_read_head() -> tuple[int, str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK_KEY])
    head = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    return head if head is not None else (0, GENESIS_HASH)


def audit_record(
    *,
    actor: Any,
    action: AuditAction | str,
    target: models.Model | AuditTarget,
    data: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Append one entry describing `action` by `actor` on `target`, chained to the previous one.

    `actor` is a user, or None for the platform itself (label "system" unless `actor_label` says
    which part of it).
    """
    action = AuditAction(action)
    target_type, target_id = describe_target(target)
    actor_id, label = describe_actor(actor, actor_label)
    payload = normalise_data(data or {})
    with transaction.atomic():
        head_seq, head_hash = _lock_and_read_head()
        seq = head_seq + 1
        now = timezone.now()
        canonical = canonical_entry(
            seq=seq,
            time=now,
            actor_id=None if actor_id is None else str(actor_id),
            actor_label=label,
            action=action.value,
            target_type=target_type,
            target_id=target_id,
            data=payload,
        )
        return AuditEntry.objects.create(
            seq=seq,
            created_at=now,
            actor_id=actor_id,
            actor_label=label,
            action=action.value,
            target_type=target_type,
            target_id=target_id,
            data=payload,
            prev_hash=head_hash,
            entry_hash=chain_hash(head_hash, canonical),
        )
