"""What an attacker with write access to the database, and nothing else, can do to a licence.

Mallory can insert and edit rows but holds none of the platform's key files: she makes her own
Ed25519 keys, inserts them as an OwnerKey and a PlatformKey row, and rewrites a licence signed
with them; or she sets a column back by a raw UPDATE. The services are never called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from config import clock
from licensing.documents import canonical, countersign_payload, key_id, parse, public_raw, sign
from licensing.models import KeyCustody, License, OwnerKey, PlatformKey


@dataclass(frozen=True)
class InsertedKeys:
    owner_kid: str
    platform_kid: str


def insert_platform_key_row() -> tuple[Ed25519PrivateKey, str]:
    private = Ed25519PrivateKey.generate()
    public = public_raw(private.public_key())
    kid = key_id(public, prefix="platform")
    PlatformKey.objects.create(kid=kid, public_key=public, created_at=clock.now())
    return private, kid


def insert_owner_key_row(license: License) -> tuple[Ed25519PrivateKey, str]:
    """A key row for the licence's owner, as a retired key (the owner's current key stays as it is)."""
    private = Ed25519PrivateKey.generate()
    public = public_raw(private.public_key())
    kid = key_id(public, prefix="owner")
    now = clock.now()
    OwnerKey.objects.create(
        kid=kid,
        owner=license.likeness.owner,
        custody=KeyCustody.SELF,
        public_key=public,
        created_at=now,
        retired_at=now,
    )
    return private, kid


def widen_with_inserted_keys(license: License, **scope: Any) -> InsertedKeys:
    """Rewrite the licence's scope (`scope` replaces fields) and sign it with two inserted key rows."""
    owner_private, owner_kid = insert_owner_key_row(license)
    platform_private, platform_kid = insert_platform_key_row()
    document = parse(License.objects.get(pk=license.pk).document)
    document["scope"].update(scope)
    document["licensor"]["owner_key_id"] = owner_kid
    data = canonical(document)
    owner_signature = sign(owner_private, data)
    payload = countersign_payload(document=document, owner_signature=owner_signature, platform_key_id=platform_kid)
    License.objects.filter(pk=license.pk).update(
        document=data.decode(),
        owner_key_id=owner_kid,
        owner_signature=owner_signature,
        platform_key_id=platform_kid,
        platform_signature=sign(platform_private, payload),
    )
    return InsertedKeys(owner_kid=owner_kid, platform_kid=platform_kid)


def countersign_with_inserted_platform_key(license: License) -> str:
    """Keep the owner's genuine signature; replace the platform's with one by an inserted key row."""
    platform_private, platform_kid = insert_platform_key_row()
    stored = License.objects.get(pk=license.pk)
    payload = countersign_payload(
        document=parse(stored.document), owner_signature=stored.owner_signature, platform_key_id=platform_kid
    )
    License.objects.filter(pk=license.pk).update(
        platform_key_id=platform_kid, platform_signature=sign(platform_private, payload)
    )
    return platform_kid


def set_status_by_hand(license: License, status: str) -> None:
    """A raw UPDATE of the status column: no service, no transition, no audit entry."""
    table = connection.ops.quote_name(License._meta.db_table)
    license_id = License._meta.pk.get_db_prep_value(license.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET status = %s WHERE id = %s", [status, license_id])
