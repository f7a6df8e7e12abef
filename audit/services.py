"""The one way to write to the audit trail: `audit_record`.

Call it inside the same `transaction.atomic()` block as the write it describes, so the entry and
the change commit or roll back together, and call it last in that block: from the append until
commit, other appenders wait.

Appends are serialised: the next seq and the previous hash can only be read once the previous
append has committed, otherwise two writers would both chain onto the same entry (a fork) or a
rolled-back entry would leave a gap. On PostgreSQL a transaction-scoped advisory lock, taken by the
server-side append function (append_sql.py), orders the appenders and is released at commit; on
SQLite the connection opens every transaction with BEGIN IMMEDIATE (see settings), which already
gives one writer at a time.

On PostgreSQL the appending transaction commits without waiting for its WAL flush, so that the lock
is not held through an fsync (append_sql.py explains why the chain stays whole); audit_record then
waits for the flush outside the lock, right after the commit (an on_commit callback inside a
transaction, at once in autocommit mode), so a caller still only sees its call return once the
write and its entry are durable.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from audit.actions import AuditAction
from audit.append_sql import DURABLE_SQL, FUNCTION
from audit.cadence import checkpoint_when_due
from audit.chain import GENESIS_HASH, canonical_entry_around_seq, chain_hash, normalise_data
from audit.models import AuditEntry
from config import clock

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


class AuditOutsideTransaction(RuntimeError):
    """A product module wrote an audit entry outside an atomic block of its own (AUDIT_REQUIRE_TRANSACTION)."""


_PRODUCT_APPS = frozenset({"config", "audit", "accounts", "likeness", "licensing", "render", "web"})
# Product modules that write audit entries in autocommit on purpose, each with its reason. None today:
# every write and its entry commit together, so a rolled-back write never leaves an entry behind.
AUTOCOMMIT_CALLERS: frozenset[str] = frozenset()


def _check_inside_callers_transaction(caller: str) -> None:
    """Refuse an entry written by a product module outside its own atomic block.

    Callers outside the product (tests, tools) may append on their own. A test case's wrapping
    transaction does not count: the service must open its own, as it would in production.
    """
    if caller.split(".", maxsplit=1)[0] not in _PRODUCT_APPS or caller in AUTOCOMMIT_CALLERS:
        return
    if not any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise AuditOutsideTransaction(f"{caller} wrote an audit entry outside a transaction.atomic() block")


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
    which part of it). `created_at` is when the event was recorded; `seq` is the commit order.
    With AUDIT_REQUIRE_TRANSACTION (DEBUG, tests) a product module must call it inside its atomic block.
    """
    if settings.AUDIT_REQUIRE_TRANSACTION:
        _check_inside_callers_transaction(sys._getframe(1).f_globals.get("__name__", ""))
    action = AuditAction(action)
    target_type, target_id = describe_target(target)
    actor_id, label = describe_actor(actor, actor_label)
    payload = normalise_data(data or {})
    now = clock.now()
    head, tail = canonical_entry_around_seq(
        time=now,
        actor_id=None if actor_id is None else str(actor_id),
        actor_label=label,
        action=action.value,
        target_type=target_type,
        target_id=target_id,
        data=payload,
    )
    entry = AuditEntry(
        created_at=now,
        actor_id=actor_id,
        actor_label=label,
        action=action.value,
        target_type=target_type,
        target_id=target_id,
        data=payload,
    )
    if connection.vendor == "postgresql":
        in_transaction = connection.in_atomic_block
        if in_transaction:
            # Registered before the call, so that nothing but reading the result runs between the
            # append (which takes the audit lock) and the caller's COMMIT (which releases it).
            _wait_until_durable_after_commit()
        # One statement: atomic on its own in autocommit mode, or part of the caller's transaction.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT new_seq, new_prev_hash, new_entry_hash, lock_wait_us FROM {FUNCTION}"
                "(%s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)",
                [now, actor_id, label, action.value, target_type, target_id, json.dumps(payload), head, tail],
            )
            entry.seq, entry.prev_hash, entry.entry_hash, _lock_wait_us = cursor.fetchone()
        entry._state.adding = False
        entry._state.db = connection.alias
        if not in_transaction:
            _make_durable()  # the append was its own transaction and has committed
        checkpoint_when_due(entry.seq)
        return entry
    with transaction.atomic():
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        head_seq, head_hash = last if last is not None else (0, GENESIS_HASH)
        entry.seq = head_seq + 1
        entry.prev_hash = head_hash
        entry.entry_hash = chain_hash(head_hash, f"{head}{entry.seq}{tail}".encode())
        entry.save(force_insert=True)
    checkpoint_when_due(entry.seq)
    return entry


def _make_durable() -> None:
    with connection.cursor() as cursor:
        cursor.execute(DURABLE_SQL)


def _wait_until_durable_after_commit() -> None:
    """Inside a transaction, arrange to wait (once) for the WAL flush its commit will skip, right after it commits."""
    # One wait per transaction is enough, but only a callback no enclosing savepoint can discard counts.
    open_savepoints = set(connection.savepoint_ids)
    registered = [(hook[0], hook[1]) for hook in connection.run_on_commit]  # (savepoint ids, callback, robust)
    if not any(callback is _make_durable and set(sids) <= open_savepoints for sids, callback in registered):
        transaction.on_commit(_make_durable)
