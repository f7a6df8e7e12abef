"""The one way to write to the audit trail: `audit_record`.

Call it inside the same `transaction.atomic()` block as the write it describes, so the entry and
the change commit or roll back together.

Appends are serialised: the next seq and the previous hash can only be read once the previous
append has committed, otherwise two writers would both chain onto the same entry (a fork) or a
rolled-back entry would leave a gap. On PostgreSQL the entry is staged in the caller's transaction
and chained while it commits, under a transaction-scoped advisory lock that only the server holds
(append_sql.py explains the design, its deadlock rule and why the chain survives a crash); on SQLite
the connection opens every transaction with BEGIN IMMEDIATE (see settings), which already gives one
writer at a time, and the entry is chained at once.

So on PostgreSQL, inside a transaction that will commit, the returned entry has no seq and no hashes
yet: they are filled in right after the commit, once the entry is durable. In autocommit mode, and
inside a test case's transaction (which never commits), it is chained at once.

On PostgreSQL the chaining commit skips its WAL flush, so that the lock is not held through an
fsync; audit_record then waits for the flush outside the lock, right after the commit (an on_commit
callback inside a transaction, at once in autocommit mode), so a caller still only sees its call
return once the write and its entry are durable.
"""

from __future__ import annotations

import collections
import functools
import json
import sys
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from audit.actions import AuditAction
from audit.append_sql import AFTER_COMMIT_SQL, STAGE_SQL
from audit.cadence import checkpoint_when_due
from audit.chain import GENESIS_HASH, canonical_entry_around_seq, chain_hash, normalise_data
from audit.models import AuditEntry
from config import clock
from config.prepared import carry_with_commit, prepared_cursor, rows_carried_by_commit

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
        _append_on_postgresql(entry, head, tail)
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


def _chains_at_commit() -> bool:
    """Whether a staged entry is left for the commit to chain: only in a transaction that will commit.

    In autocommit mode the staging statement is its own transaction; a test case's outer transaction
    never commits, so nothing staged in it would ever be chained. (The audit benchmark replaces this
    to measure the earlier design, which chained in the call.)
    """
    return connection.in_atomic_block and not getattr(connection.atomic_blocks[0], "_from_testcase", False)


def _append_on_postgresql(entry: AuditEntry, head: str, tail: str) -> None:
    chain_now = not _chains_at_commit()
    with prepared_cursor(slot="audit") as cursor:  # prepared: parsed and planned once per connection
        cursor.execute(
            STAGE_SQL,
            [
                entry.created_at,
                entry.actor_id,
                entry.actor_label,
                entry.action,
                entry.target_type,
                entry.target_id,
                json.dumps(entry.data),
                head,
                tail,
                chain_now,
            ],
        )
        # Staged for the commit to chain, the statement returns nothing worth reading, and not reading
        # it lets a caller's pipeline send it with the statements after it.
        chained = cursor.fetchone() if chain_now else None
    if chained is not None and chained[0] is not None:
        _mark_chained(entry, *chained)
    if connection.in_atomic_block:
        _after_commit_once()
        transaction.on_commit(functools.partial(_fill_in_after_commit, entry))
    else:
        _after_commit()  # the staging statement was its own transaction, and has committed


def _mark_chained(entry: AuditEntry, seq: int, prev_hash: str, entry_hash: str) -> None:
    entry.seq, entry.prev_hash, entry.entry_hash = seq, prev_hash, entry_hash
    entry._state.adding = False
    entry._state.db = connection.alias


def _after_commit(carried: list[Any] | None = None) -> list[tuple[int, str, str]]:
    """Wait for the WAL flush the chaining commit skipped; return what it chained; checkpoint if due.

    `carried`: the rows of that statement when the COMMIT carried it in its own round trip (the wait is
    then over already)."""
    if carried is None:
        with connection.cursor() as cursor:
            cursor.execute(AFTER_COMMIT_SQL)
            carried = cursor.fetchall()
    chained = [(seq, prev_hash, entry_hash) for seq, prev_hash, entry_hash, _lock_wait_us in carried]
    for seq, _prev_hash, _entry_hash in chained:
        checkpoint_when_due(seq)
    return chained


class _AfterTransactionCommit:
    """The on_commit callback that runs _after_commit once for a transaction, and keeps what it learnt."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        chained = _after_commit(rows_carried_by_commit(AFTER_COMMIT_SQL))
        if chained:
            connection._audit_chained = collections.deque(chained)  # type: ignore[attr-defined]


def _fill_in_after_commit(entry: AuditEntry) -> None:
    """Give an entry returned inside a transaction its seq and hashes, once the commit has chained it.

    The commit chains its staged entries in the order they were staged, and Django runs the callbacks
    of the entries that survived (no rolled-back savepoint) in the same order, after the
    _AfterTransactionCommit registered before the first of them.
    """
    chained: collections.deque[tuple[int, str, str]] | None = getattr(connection, "_audit_chained", None)
    if not chained:
        return
    seq, prev_hash, entry_hash = chained.popleft()
    if entry.seq is None:  # a test case's entries were chained (and filled in) at once
        _mark_chained(entry, seq, prev_hash, entry_hash)


def _after_commit_once() -> None:
    """Inside a transaction, arrange to run _after_commit (once) right after it commits."""
    # One call per transaction is enough, but only a callback no enclosing savepoint can discard, and
    # that has not run yet (a test's captured callbacks stay listed after they run), counts.
    open_savepoints = set(connection.savepoint_ids)
    registered = [(hook[0], hook[1]) for hook in connection.run_on_commit]  # (savepoint ids, callback, robust)
    if not any(
        isinstance(callback, _AfterTransactionCommit) and not callback.ran and set(sids) <= open_savepoints
        for sids, callback in registered
    ):
        transaction.on_commit(_AfterTransactionCommit())
    # Its wait for the WAL flush then travels with the COMMIT. (Asked again after a rolled-back
    # savepoint took the callback with it: asking twice is asking once.)
    carry_with_commit(AFTER_COMMIT_SQL)
