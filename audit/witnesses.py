"""Witnesses: third parties who keep the platform's checkpoints, check each new one against the one
they kept, and cosign it (`manage.py audit_witness`). An admin registers a witness's public key;
cosignatures are accepted from registered, active witnesses only, and every one is audited.

A cosignature is an Ed25519 signature by the witness over the RFC 8785 JSON of
`audit.signing.cosignature_document(signed_tree_head, witness_key_id, cosigned_at)`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, QuerySet

from audit.actions import AuditAction
from audit.checkpoints import checkpoint_file
from audit.codes import AuditCode
from audit.models import AuditCheckpoint, CheckpointCosignature, Witness
from audit.services import audit_record
from audit.signing import cosignature_document, key_id, verify_document
from config import clock
from config.errors import Conflict, Forbidden, Invalid, NotFound


def parse_witness_key(public_key_b64: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(public_key_b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("the witness key is not base64", code=AuditCode.BAD_WITNESS_KEY) from None
    if len(raw) != 32:
        raise Invalid("a witness key is a raw Ed25519 public key of 32 bytes", code=AuditCode.BAD_WITNESS_KEY)
    return Ed25519PublicKey.from_public_bytes(raw)


def witness_register(*, name: str, public_key_b64: str, actor: Any) -> Witness:
    public = parse_witness_key(public_key_b64)
    kid = key_id(public)
    with transaction.atomic():
        if Witness.objects.filter(key_id=kid).exists():
            raise Conflict("a witness with this key is already registered", code=AuditCode.WITNESS_EXISTS)
        if Witness.objects.filter(name=name).exists():
            raise Conflict("a witness with this name is already registered", code=AuditCode.WITNESS_EXISTS)
        witness = Witness.objects.create(
            name=name,
            public_key=base64.b64encode(public.public_bytes_raw()).decode("ascii"),
            key_id=kid,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.AUDIT_WITNESS_REGISTERED,
            target=witness,
            data={"name": name, "key_id": kid},
        )
    return witness


def cosignature_record(
    *, tree_size: int, witness_key_id: str, cosigned_at: str, signature: str
) -> tuple[CheckpointCosignature, bool]:
    """Keep a witness's cosignature of the checkpoint at `tree_size`; returns it and whether it is new."""
    witness = Witness.objects.filter(key_id=witness_key_id, active=True).first()
    if witness is None:
        raise Forbidden("no active witness is registered with this key", code=AuditCode.UNKNOWN_WITNESS)
    checkpoint = AuditCheckpoint.objects.filter(tree_size=tree_size).first()
    if checkpoint is None:
        raise NotFound(f"there is no checkpoint at tree size {tree_size}", code=AuditCode.UNKNOWN_CHECKPOINT)
    document = cosignature_document(
        signed_tree_head=checkpoint_file(checkpoint)["signed_tree_head"],
        witness_key_id=witness.key_id,
        cosigned_at=cosigned_at,
    )
    if not verify_document(document, signature, parse_witness_key(witness.public_key)):
        raise Invalid("the cosignature does not verify under the witness's key", code=AuditCode.BAD_COSIGNATURE)
    existing = CheckpointCosignature.objects.filter(checkpoint=checkpoint, witness=witness).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            cosignature = CheckpointCosignature.objects.create(
                checkpoint=checkpoint,
                witness=witness,
                cosigned_at=cosigned_at,
                signature=signature,
                received_at=clock.now(),
            )
            audit_record(
                actor=None,
                actor_label=f"witness:{witness.name}",
                action=AuditAction.AUDIT_CHECKPOINT_COSIGNED,
                target=cosignature,
                data={"tree_size": tree_size, "root_hash": checkpoint.root_hash, "witness_key_id": witness.key_id},
            )
    except IntegrityError:  # the same witness posted twice at once
        return CheckpointCosignature.objects.get(checkpoint=checkpoint, witness=witness), False
    return cosignature, True


def cosignatures_of(checkpoint: AuditCheckpoint) -> list[dict[str, Any]]:
    return [
        {
            "witness": c.witness.name,
            "witness_key_id": c.witness.key_id,
            "witness_public_key": c.witness.public_key,
            "cosigned_at": c.cosigned_at,
            "signature": c.signature,
        }
        for c in sorted(checkpoint.cosignatures.all(), key=lambda c: c.witness.name)
    ]


def with_cosignatures(checkpoints: QuerySet[AuditCheckpoint]) -> QuerySet[AuditCheckpoint]:
    """Fetch the cosignatures and their witnesses for a list of checkpoints in two queries, not one per checkpoint."""
    return checkpoints.prefetch_related(
        Prefetch("cosignatures", queryset=CheckpointCosignature.objects.select_related("witness"))
    )


def checkpoint_published(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """A checkpoint as published: the signed head, its signature and key, and the witnesses' cosignatures."""
    cosignatures = cosignatures_of(checkpoint)
    return {**checkpoint_file(checkpoint), "cosigned_by": len(cosignatures), "cosignatures": cosignatures}


def checkpoints_with_cosignature_counts() -> QuerySet[AuditCheckpoint]:
    return AuditCheckpoint.objects.annotate(cosigned_by=Count("cosignatures")).order_by("-tree_size")
