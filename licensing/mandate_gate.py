"""The gate's mandate rule: a licence signed by a representative is honoured only if the mandate it
names (by id and document hash) covered approving it when it was signed, and the owner co-signed
where the mandate required it. Ending the mandate later does not undo what it validly covered.

The gate runs this on every check of such a licence, so the verdict is cached like the licence's
own signatures (licensing/verification.py): one prepared, indexed query reads everything the verdict
depends on (the mandate's bytes and signature, when it ended, the owner's co-signature), the key is
all of it plus the licence document's hash, and a verdict is worked out from exactly those stored
values. Change any of them and it is worked out afresh.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from config.prepared import prepared_cursor
from licensing.mandate_documents import check_signed_under_mandate
from licensing.mandate_models import Mandate, MandateApproval
from licensing.refusals import RefusalReason
from licensing.trust import pinned_platform_keys, trusted_owner_key

CACHE_SIZE = 4096
_cache: OrderedDict[tuple[str, ...], bool] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class StoredMandate:
    """What the verdict depends on, as stored: the mandate's bytes and signature, when it ended, and
    the owner's co-signature of this licence if she gave it."""

    document: str
    signature: str
    revoked_at: datetime | None
    owner_cosignature: str


def mandate_named(value: Any) -> Mandate | None:
    """The mandate a signer block names, or None (no such mandate, or not an id at all)."""
    try:
        return Mandate.objects.filter(pk=uuid.UUID(str(value))).first()
    except ValueError:
        return None


def _public_key(kid: str) -> bytes | None:
    """Only keys the database cannot mint: a platform-certified owner key, or a pinned platform key."""
    owner = trusted_owner_key(kid)
    if not isinstance(owner, RefusalReason):
        return owner.public_key
    return pinned_platform_keys().get(kid)


def _stored(mandate_id: uuid.UUID, license_id: str) -> StoredMandate | None:
    """The mandate and the licence's owner co-signature as stored, in one query; None if no such mandate."""
    mandates, approvals = Mandate._meta.db_table, MandateApproval._meta.db_table
    pk = Mandate._meta.pk
    assert pk is not None
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT m.document, m.signature, m.revoked_at, a.owner_cosignature FROM {mandates} m "
            f"LEFT JOIN {approvals} a ON a.license_id = %s AND a.cosigned_at IS NOT NULL WHERE m.id = %s",
            [pk.get_db_prep_value(uuid.UUID(license_id), connection), pk.get_db_prep_value(mandate_id, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return StoredMandate(document=row[0], signature=row[1], revoked_at=_aware(row[2]), owner_cosignature=row[3] or "")


def _aware(value: Any) -> datetime | None:
    """A stored moment as the ORM reads it: PostgreSQL answers aware; SQLite naive (or text), in UTC."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _verdict(*, document: dict[str, Any], document_text: str, stored: StoredMandate) -> bool:
    problems = check_signed_under_mandate(
        license_document=document,
        mandate_text=stored.document,
        mandate_signature=stored.signature,
        revoked_at=stored.revoked_at,
        key=_public_key,
        cosignature=stored.owner_cosignature or None,
        license_bytes=document_text.encode(),
    )
    return not problems


def mandate_gate_refusal(*, document: dict[str, Any], document_text: str, license_id: str) -> RefusalReason | None:
    """None for a licence the owner signed herself, or one validly signed under a mandate."""
    signer = document.get("signer")
    if signer is None:
        return None
    try:
        mandate_id = uuid.UUID(str(signer["mandate_id"]))
        stored = _stored(mandate_id, license_id)
        if stored is None:
            return RefusalReason.MANDATE_NOT_COVERING
        key = (
            license_id,
            hashlib.sha256(document_text.encode()).hexdigest(),
            str(mandate_id),
            hashlib.sha256(stored.document.encode()).hexdigest(),
            stored.signature,
            "" if stored.revoked_at is None else stored.revoked_at.isoformat(),
            stored.owner_cosignature,
        )
        with _lock:
            covered = _cache.get(key)
            if covered is not None:
                _cache.move_to_end(key)
        if covered is None:
            covered = _verdict(document=document, document_text=document_text, stored=stored)
            with _lock:
                _cache[key] = covered
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
    except (KeyError, TypeError, ValueError):
        return RefusalReason.MANDATE_NOT_COVERING
    return None if covered else RefusalReason.MANDATE_NOT_COVERING
