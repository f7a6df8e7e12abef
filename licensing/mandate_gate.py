"""The gate's mandate rule: a licence signed by a representative is honoured only if the mandate it
names (by id and document hash) covered approving it when it was signed, and the owner co-signed
where the mandate required it. Ending the mandate later does not undo what it validly covered.

The gate runs this on every check of such a licence, so the verdict is cached like the licence's
own signatures (licensing/verification.py): one indexed query reads everything the verdict depends
on (the mandate's bytes and signature, when it ended, the owner's co-signature), and the key is all
of it plus the licence document's hash. Change any of them and the verdict is worked out afresh.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from typing import Any

from django.db import connection

from licensing.mandate_documents import check_signed_under_mandate
from licensing.mandate_models import Mandate, MandateApproval
from licensing.refusals import RefusalReason
from licensing.trust import pinned_platform_keys, trusted_owner_key

CACHE_SIZE = 4096
_cache: OrderedDict[tuple[str, ...], bool] = OrderedDict()
_lock = threading.Lock()


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


def _facts(mandate_id: uuid.UUID, license_id: str) -> tuple[str, ...] | None:
    """(document sha256, signature, revoked_at, co-signature) as stored, in one query; None if no
    such mandate."""
    mandates, approvals = Mandate._meta.db_table, MandateApproval._meta.db_table
    pk = Mandate._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.document, m.signature, m.revoked_at, a.owner_cosignature FROM {mandates} m "
            f"LEFT JOIN {approvals} a ON a.license_id = %s AND a.cosigned_at IS NOT NULL WHERE m.id = %s",
            [pk.get_db_prep_value(uuid.UUID(license_id), connection), pk.get_db_prep_value(mandate_id, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return (hashlib.sha256(row[0].encode()).hexdigest(), row[1], str(row[2]), row[3] or "")


def _verdict(*, document: dict[str, Any], document_text: str, license_id: str, mandate_id: uuid.UUID) -> bool:
    mandate = Mandate.objects.filter(pk=mandate_id).first()
    if mandate is None:
        return False
    approval = MandateApproval.objects.filter(license_id=license_id, cosigned_at__isnull=False).first()
    problems = check_signed_under_mandate(
        license_document=document,
        mandate_text=mandate.document,
        mandate_signature=mandate.signature,
        revoked_at=mandate.revoked_at,
        key=_public_key,
        cosignature=None if approval is None else approval.owner_cosignature,
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
        facts = _facts(mandate_id, license_id)
        if facts is None:
            return RefusalReason.MANDATE_NOT_COVERING
        key = (license_id, hashlib.sha256(document_text.encode()).hexdigest(), str(mandate_id), *facts)
        with _lock:
            covered = _cache.get(key)
            if covered is not None:
                _cache.move_to_end(key)
        if covered is None:
            covered = _verdict(
                document=document, document_text=document_text, license_id=license_id, mandate_id=mandate_id
            )
            with _lock:
                _cache[key] = covered
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
    except (KeyError, TypeError, ValueError):
        return RefusalReason.MANDATE_NOT_COVERING
    return None if covered else RefusalReason.MANDATE_NOT_COVERING
