"""Signing keys as rows: the platform's key (remembered the first time it signs) and likeness owners'
keys (custodial or self-custody, rotated), and the public-key lookups the gate verifies with.

The key material itself (the platform key file, encryption at rest) is in licensing/keys.py."""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from accounts.actors import Actor
from audit.actions import AuditAction
from audit.services import AuditTarget, audit_record
from config import clock
from config.errors import Conflict, Invalid
from licensing.codes import LicensingCode
from licensing.documents import (
    b64url_decode,
    canonical,
    key_id,
    load_public,
    parse,
    private_raw,
    public_raw,
    sign,
)
from licensing.keys import OWNER_KID_PREFIX, encrypt, platform_key_id, platform_signing_key
from licensing.models import (
    KeyCustody,
    License,
    LicenseStatus,
    OwnerKey,
    PlatformKey,
)
from licensing.trust import owner_key_certificate_document
from likeness.models import LikenessOwner


def platform_key_current() -> tuple[Ed25519PrivateKey, str]:
    """The platform's signing key and its kid, remembered (and audited) the first time it signs.

    Remembering every key is what makes rotation safe: replace the key file and documents signed
    under the old key still find its public half here and in the JWKS.
    """
    key = platform_signing_key()
    kid = platform_key_id(key)
    if not PlatformKey.objects.filter(kid=kid).exists():
        with transaction.atomic():
            _, created = PlatformKey.objects.get_or_create(
                kid=kid, defaults={"public_key": public_raw(key.public_key()), "created_at": clock.now()}
            )
            if created:
                audit_record(
                    actor=None,
                    action=AuditAction.PLATFORM_KEY_REGISTERED,
                    target=AuditTarget("licensing.platformkey", kid),
                )
    return key, kid


def owner_key_certificate(
    *, kid: str, owner_id: str, public_key: bytes, custody: str, registered_at: datetime
) -> tuple[str, str]:
    """The platform's signed registration of an owner key: (canonical record, signature)."""
    platform_key, platform_kid = platform_key_current()
    record = canonical(
        owner_key_certificate_document(
            kid=kid,
            owner_id=owner_id,
            public_key=public_key,
            custody=custody,
            registered_at=registered_at,
            platform_key_id=platform_kid,
        )
    )
    return record.decode(), sign(platform_key, record)


def _owner_key_install(
    *, owner: LikenessOwner, custody: KeyCustody, public_key: bytes, private: bytes | None, actor: Actor
) -> OwnerKey:
    kid = key_id(public_key, prefix=OWNER_KID_PREFIX)
    if OwnerKey.objects.filter(kid=kid).exists():
        raise Conflict("this public key is already registered", code=LicensingCode.KEY_EXISTS)
    now = clock.now()
    current = OwnerKey.objects.select_for_update().filter(owner=owner, retired_at__isnull=True).first()
    if current is not None:
        current.retired_at = now
        current.save(update_fields=["retired_at"])
        audit_record(actor=actor, action=AuditAction.OWNER_KEY_RETIRED, target=owner, data={"kid": current.kid})
    certificate, certificate_signature = owner_key_certificate(
        kid=kid, owner_id=str(owner.pk), public_key=public_key, custody=custody.value, registered_at=now
    )
    key = OwnerKey.objects.create(
        kid=kid,
        owner=owner,
        custody=custody,
        public_key=public_key,
        encrypted_private_key=None if private is None else encrypt(private, context=kid),
        created_at=now,
        certificate=certificate,
        certificate_signature=certificate_signature,
    )
    audit_record(
        actor=actor, action=AuditAction.OWNER_KEY_CREATED, target=owner, data={"kid": kid, "custody": custody.value}
    )
    # Requests awaiting this owner are re-issued under the new key: nothing has signed them yet.
    for license in License.objects.select_for_update().filter(likeness__owner=owner, status=LicenseStatus.REQUESTED):
        document = parse(license.document)
        document["licensor"]["owner_key_id"] = kid
        license.document = canonical(document).decode()
        license.owner_key_id = kid
        license.save(update_fields=["document", "owner_key_id"])
    return key


def owner_key_create_custodial(*, owner: LikenessOwner, actor: Actor) -> OwnerKey:
    """Generate a platform-held key for the owner (rotating any current key)."""
    private = Ed25519PrivateKey.generate()
    with transaction.atomic():
        return _owner_key_install(
            owner=owner,
            custody=KeyCustody.CUSTODIAL,
            public_key=public_raw(private.public_key()),
            private=private_raw(private),
            actor=actor,
        )


def owner_key_register(*, owner: LikenessOwner, public_key: str, actor: Actor) -> OwnerKey:
    """Register a self-custody public key (base64url, 32 bytes), rotating any current key."""
    try:
        raw = b64url_decode(public_key)
        load_public(raw)
    except ValueError:
        raise Invalid("public_key must be a base64url Ed25519 public key", detail={"field": "public_key"}) from None
    with transaction.atomic():
        return _owner_key_install(owner=owner, custody=KeyCustody.SELF, public_key=raw, private=None, actor=actor)


def owner_current_key(owner: LikenessOwner, actor: Actor) -> OwnerKey:
    key = OwnerKey.objects.filter(owner=owner, retired_at__isnull=True).first()
    return key if key is not None else owner_key_create_custodial(owner=owner, actor=actor)
