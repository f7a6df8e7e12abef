"""Helpers for the audit custody tests: a key setup of the test's own, and what an attacker with
write access to the database (but not to the configuration or the bucket) does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

from audit.chain import chain_hash
from audit.models import AuditEntry
from audit.triggers import drop_guard, guard_installed, install_guard


def use_own_audit_keys(settings: Any, folder: Path) -> None:
    """Point the audit key file and the retired-keys folder at `folder` (a fresh key is made on use)."""
    settings.AUDIT_SIGNING_KEY_FILE = folder / "audit-signing-key.pem"
    settings.AUDIT_SIGNING_KEY_GENERATE = True
    settings.AUDIT_PUBLIC_KEYS_DIR = folder / "audit-public-keys"


@contextmanager
def past_the_guard() -> Iterator[None]:
    """Write around the append-only triggers, as a database owner can, and put them back after."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = origin")
        return
    installed = guard_installed(connection)
    drop_guard(connection)
    try:
        yield
    finally:
        if installed:
            install_guard(connection)


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def rewrite_history(*, seq: int, label: str = "mallory") -> None:
    """Edit entry `seq`, recompute every hash after it so the chain verifies again, and remove what the
    database holds that would betray it: the stored Merkle nodes, the checkpoints and their cosignatures."""
    with past_the_guard():
        sql("UPDATE audit_entry SET actor_label = %s WHERE seq = %s", [label, seq])
        prev = AuditEntry.objects.get(seq=seq - 1).entry_hash if seq > 1 else "0" * 64
        for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
            forged = chain_hash(prev, entry.as_record().canonical())
            sql("UPDATE audit_entry SET prev_hash = %s, entry_hash = %s WHERE seq = %s", [prev, forged, entry.seq])
            prev = forged
        sql("DELETE FROM audit_checkpoint_cosignature")
        sql("DELETE FROM audit_merkle_node")
        sql("DELETE FROM audit_checkpoint")


def cut_tail(*, after_seq: int) -> None:
    with past_the_guard():
        sql("DELETE FROM audit_entry WHERE seq > %s", [after_seq])
