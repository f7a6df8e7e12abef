"""Writes for likeness owners and likenesses: registration, enrolment, consent, review, erasure.

Biometric data (reference photos, embeddings) is encrypted under the likeness's data key before it
is stored (likeness/crypto.py); the key itself lives in the key store, outside the database
(likeness/keystore.py), and decrypted only by the impostor search (likeness/search.py) and
by `likeness_identity_materials`, which the render worker calls after its licence gate passed.
Audit entries record only non-biometric facts: counts, engine and model hashes, statuses, the id of
a matching likeness, never pixels, embeddings or their hashes.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse

from accounts.actors import Actor
from accounts.notifications import notify
from audit.access import is_admin
from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Forbidden, Invalid, NotFound
from likeness import crypto
from likeness.codes import LikenessCode
from likeness.engines import DetectedFace, get_engine
from likeness.erasure import erasure_hooks
from likeness.keystore import destroy_data_key, key_store, load_data_key
from likeness.likeness_states import likeness_transition
from likeness.models import FaceEmbedding, Likeness, LikenessKey, LikenessOwner, LikenessStatus, ReferencePhoto
from likeness.photos import (
    CheckedPhoto,
    PhotoProblem,
    decode_photo,
    decode_png,
    encode_png,
    pairwise_disagreements,
    the_one_face,
)
from likeness.search import similar_likenesses

logger = logging.getLogger(__name__)

MIN_PHOTOS = 1
MAX_PHOTOS = 5
# Serialises enrolments on PostgreSQL, so two people enrolling the same face at the same moment
# cannot both miss each other in the impostor search (SQLite's BEGIN IMMEDIATE already does this).
ENROLMENT_LOCK_KEY = 0x4C494B45  # "LIKE"


def _clean_name(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise Invalid(f"{field} must be 1 to 200 characters", detail={"field": field})
    return value


def owner_register(*, user: Any, display_name: str, actor: Actor) -> LikenessOwner:
    display_name = _clean_name(display_name, "display_name")
    with transaction.atomic():
        if LikenessOwner.objects.filter(user=user).exists():
            raise Conflict("this user is already a likeness owner", code=LikenessCode.ALREADY_OWNER)
        owner = LikenessOwner.objects.create(user=user, display_name=display_name, created_at=clock.now())
        audit_record(
            actor=actor,
            action=AuditAction.LIKENESS_OWNER_REGISTERED,
            target=owner,
            data={"user_id": user.pk, "display_name": display_name},
        )
    return owner


def likeness_create(
    *, owner: LikenessOwner | None, display_name: str, actor: Actor, licensable: bool = True
) -> Likeness:
    """A new likeness in DRAFT. `licensable=False` registers a face only to protect it (consent registry)."""
    if owner is None:
        raise Forbidden("only registered likeness owners may create likenesses", code=LikenessCode.NOT_AN_OWNER)
    display_name = _clean_name(display_name, "display_name")
    now = clock.now()
    with transaction.atomic():
        likeness = Likeness.objects.create(
            owner=owner, display_name=display_name, licensable=licensable, created_at=now, updated_at=now
        )
        data: dict[str, Any] = {"owner_id": owner.pk, "display_name": display_name}
        if not licensable:
            data["licensable"] = False
        audit_record(actor=actor, action=AuditAction.LIKENESS_CREATED, target=likeness, data=data)
    return likeness


def likeness_set_licensable(*, likeness: Likeness, licensable: bool, actor: Actor) -> Likeness:
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().get(pk=likeness.pk)
        if likeness.status == LikenessStatus.ERASED:
            raise Conflict("an erased likeness cannot change", code=LikenessCode.LIKENESS_ERASED)
        if likeness.licensable == licensable:
            return likeness
        likeness.licensable = licensable
        likeness.updated_at = clock.now()
        likeness.save(update_fields=["licensable", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.LIKENESS_LICENSABILITY_CHANGED,
            target=likeness,
            data={"licensable": licensable},
        )
    return likeness


@dataclass(frozen=True)
class PhotoUpload:
    name: str
    data: bytes


def _photo_error(index: int, name: str, problem: PhotoProblem) -> Invalid:
    return Invalid(
        f"photo {index + 1} ({name}): {problem.message}",
        code=problem.reason,
        detail={"photo": name, "index": index, "reason": problem.reason},
    )


def _check_photos(photos: list[PhotoUpload], engine_name: str | None) -> tuple[list[CheckedPhoto], Any]:
    if not MIN_PHOTOS <= len(photos) <= MAX_PHOTOS:
        raise Invalid(
            f"upload {MIN_PHOTOS} to {MAX_PHOTOS} photos of your face; got {len(photos)}",
            code=LikenessCode.PHOTO_COUNT,
            detail={"count": len(photos), "min": MIN_PHOTOS, "max": MAX_PHOTOS},
        )
    engine = get_engine(engine_name)
    checked = []
    for index, upload in enumerate(photos):
        try:
            image = decode_photo(
                upload.data, max_bytes=settings.LIKENESS_PHOTO_MAX_BYTES, max_pixels=settings.LIKENESS_PHOTO_MAX_PIXELS
            )
            face = the_one_face(engine, image, min_face_size=settings.LIKENESS_FACE_MIN_SIZE)
        except PhotoProblem as problem:
            raise _photo_error(index, upload.name, problem) from None
        checked.append(CheckedPhoto(name=upload.name, image=image, face=face, embedding=engine.embed(image, face)))
    disagreements = pairwise_disagreements([c.embedding for c in checked], match_distance=engine.match_distance)
    if disagreements:
        i, j, _ = disagreements[0]
        raise Invalid(
            f"photos {i + 1} ({checked[i].name}) and {j + 1} ({checked[j].name}) do not show the same person",
            code=LikenessCode.PHOTOS_DISAGREE,
            detail={"photos": [checked[i].name, checked[j].name], "indices": [i, j]},
        )
    return checked, engine


def _store_photo(*, likeness: Likeness, data_key: bytes, position: int, photo: CheckedPhoto, engine: Any) -> str:
    photo_id = uuid.uuid4()
    likeness_id = str(likeness.pk)
    sealed = crypto.seal(data_key, encode_png(photo.image), context=crypto.photo_context(likeness_id, str(photo_id)))
    name = default_storage.save(f"likeness/{likeness_id}/{photo_id.hex}.sealed", ContentFile(sealed))
    height, width = photo.image.shape[:2]
    now = clock.now()
    row = ReferencePhoto.objects.create(
        id=photo_id,
        likeness=likeness,
        position=position,
        storage_name=name,
        width=width,
        height=height,
        created_at=now,
    )
    FaceEmbedding.objects.create(
        likeness=likeness,
        photo=row,
        engine=engine.name,
        model_info=engine.model_info(),
        dim=int(photo.embedding.shape[0]),
        ciphertext=crypto.seal(
            data_key,
            np.asarray(photo.embedding, dtype=np.float32).tobytes(),
            context=crypto.embedding_context(likeness_id, str(photo_id)),
        ),
        created_at=now,
    )
    return name


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - a storage outage leaves ciphertext whose key is gone
            logger.exception("could not delete %s", name)


def likeness_check_enrollable(likeness: Likeness) -> None:
    """Refuse a likeness that cannot be enrolled; cheap, so callers run it before reading any photo."""
    if likeness.status != LikenessStatus.DRAFT:
        raise Conflict(
            f"only a draft likeness can be enrolled; this one is {likeness.status}",
            code=LikenessCode.NOT_A_DRAFT,
            detail={"status": likeness.status},
        )


def likeness_enrol(
    *, likeness: Likeness, photos: list[PhotoUpload], actor: Actor, engine_name: str | None = None
) -> Likeness:
    """Enrol 1-5 photos of the owner's face; the likeness becomes ENROLLED, or FROZEN for review
    when the face is already enrolled as another likeness (an impostor or a duplicate)."""
    likeness_check_enrollable(likeness)
    checked, engine = _check_photos(photos, engine_name)
    vectors = [c.embedding for c in checked]
    stored: list[str] = []
    created_key = ""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ENROLMENT_LOCK_KEY])
            likeness = Likeness.objects.select_for_update().get(pk=likeness.pk)
            if likeness.status != LikenessStatus.DRAFT:
                raise Conflict("only a draft likeness can be enrolled", code=LikenessCode.NOT_A_DRAFT)
            matches = similar_likenesses(
                engine=engine.name,
                dim=engine.embedding_dim,
                vectors=vectors,
                within=engine.match_distance,
                exclude_likeness_id=likeness.pk,
            )
            now = clock.now()
            store = key_store()
            data_key, key_ref = store.create(str(likeness.pk))
            created_key = key_ref
            LikenessKey.objects.create(
                likeness=likeness,
                key_ref=key_ref,
                kek_id=crypto.kek_id() if store.name == "file" else "",
                created_at=now,
            )
            for position, photo in enumerate(checked):
                stored.append(
                    _store_photo(likeness=likeness, data_key=data_key, position=position, photo=photo, engine=engine)
                )
            likeness_transition(
                likeness,
                to=LikenessStatus.FROZEN if matches else LikenessStatus.ENROLLED,
                action=AuditAction.LIKENESS_ENROLLED,
                data={"photos": len(checked), "engine": engine.name, "models": engine.model_info()},
                changes={"updated_at": now},
                actor=actor,
            )
            if matches:
                audit_record(
                    actor=None,
                    actor_label="impostor-check",
                    action=AuditAction.LIKENESS_FROZEN,
                    target=likeness,
                    data={
                        "reason": "face_already_enrolled",
                        "matching_likeness_ids": [str(m.likeness_id) for m in matches],
                    },
                )
    except BaseException:
        _delete_files(stored)
        destroy_data_key(created_key, str(likeness.pk))  # the enrolment did not happen: nor does its key
        raise
    return likeness


def likeness_review(*, likeness: Likeness, approve: bool, actor: Actor) -> Likeness:
    """An admin's decision on a frozen enrolment: approve (ENROLLED, the same person) or reject (the
    likeness is erased). Either way the decision is audited (`likeness.reviewed`) and, once it is
    committed, `likeness_review_decided` tells the owner."""
    if not is_admin(actor):
        raise NotFound("no such likeness")
    if likeness.status != LikenessStatus.FROZEN:
        raise Conflict(
            "only a frozen likeness awaits review", code=LikenessCode.NOT_FROZEN, detail={"status": likeness.status}
        )
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().get(pk=likeness.pk)
        if likeness.status != LikenessStatus.FROZEN:
            raise Conflict("only a frozen likeness awaits review", code=LikenessCode.NOT_FROZEN)
        if approve:
            likeness_transition(
                likeness,
                to=LikenessStatus.ENROLLED,
                action=AuditAction.LIKENESS_REVIEWED,
                data={"decision": "approve"},
                actor=actor,
            )
        else:
            audit_record(
                actor=actor, action=AuditAction.LIKENESS_REVIEWED, target=likeness, data={"decision": "reject"}
            )
            likeness = likeness_erase(likeness=likeness, actor=actor, reason="rejected_in_review")
        decided = likeness
        transaction.on_commit(lambda: likeness_review_decided(likeness=decided, approved=approve))
    return likeness


def likeness_review_decided(*, likeness: Likeness, approved: bool) -> None:
    """Runs once a review decision is committed: the owner reads the outcome on her likeness page
    (from the `likeness.reviewed` audit entry) and hears of it in her inbox and by e-mail."""
    kind = "likeness.approved" if approved else "likeness.rejected"
    notify(
        user=likeness.owner.user,
        kind=kind,
        event_key=f"{kind}:{likeness.pk}",
        params={"likeness": likeness.display_name},
        link=reverse("web:likeness", args=[likeness.pk]),
    )


def likeness_erase(*, likeness: Likeness, actor: Actor, reason: str = "owner_request") -> Likeness:
    """Erase a likeness's biometric data for good (crypto-shredding) and end everything that uses it.

    In one transaction: the hooks of other apps run (licences end, queued jobs are refused), photo
    and embedding rows are deleted, the key reference is emptied, the likeness becomes ERASED and not
    licensable, one audit entry records the counts, and, last before the commit, the key store
    destroys the data key (likeness/keystore.py). The database never held the key, so its dead
    tuples and backups keep only ciphertext that nothing opens any more. Should the commit fail
    after the key is destroyed, the likeness fails closed: its data is unreadable, not erased on
    record (erase it again). The encrypted files are deleted from storage once that commits;
    should that fail, what remains is ciphertext whose key no longer exists.
    """
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().get(pk=likeness.pk)
        if likeness.status == LikenessStatus.ERASED:
            raise Conflict("this likeness is already erased", code=LikenessCode.LIKENESS_ERASED)
        previous = likeness.status
        for hook in erasure_hooks():
            hook(likeness=likeness, actor=actor)
        names = list(ReferencePhoto.objects.filter(likeness=likeness).values_list("storage_name", flat=True))
        embeddings, _ = FaceEmbedding.objects.filter(likeness=likeness).delete()
        photos, _ = ReferencePhoto.objects.filter(likeness=likeness).delete()
        now = clock.now()
        key_row = LikenessKey.objects.select_for_update().filter(likeness=likeness).first()
        key_ref = key_row.key_ref if key_row is not None else ""
        key_destroyed = LikenessKey.objects.filter(likeness=likeness, destroyed_at__isnull=True).update(
            key_ref="", destroyed_at=now
        )
        likeness_transition(
            likeness,
            to=LikenessStatus.ERASED,
            action=AuditAction.LIKENESS_ERASED,
            changes={"licensable": False, "updated_at": now},
            actor=actor,
            data={
                "reason": reason,
                "previous_status": previous,
                "photos_deleted": photos,
                "embeddings_deleted": embeddings,
                "data_key_destroyed": bool(key_destroyed),
            },
        )
        destroy_data_key(key_ref, str(likeness.pk))
        transaction.on_commit(lambda: _delete_files(names))
    return likeness


@dataclass(frozen=True)
class IdentityMaterials:
    """A likeness's decrypted identity, for the render worker only: never stored, never logged."""

    likeness_id: uuid.UUID
    photos: list[np.ndarray]  # RGB uint8
    faces: list[DetectedFace]
    embeddings: list[np.ndarray]  # L2-normalised float32
    engine: str
    models: dict[str, str]


def likeness_identity_materials(
    *, likeness: Likeness, actor: Actor = None, purpose: str = "render"
) -> IdentityMaterials:
    """Decrypt a likeness's reference photos and embeddings. Call only after the licence gate passed.

    Refuses an erased, frozen or unenrolled likeness even if the caller's gate missed it, and
    audits the release (which likeness, for what; nothing biometric).
    """
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().get(pk=likeness.pk)
        if likeness.status != LikenessStatus.ENROLLED:
            raise Conflict(
                f"the likeness is {likeness.status}; its identity cannot be used",
                code=LikenessCode(f"likeness_{likeness.status}"),
                detail={"status": likeness.status},
            )
        key_row = LikenessKey.objects.get(likeness=likeness)
        likeness_id = str(likeness.pk)
        data_key = load_data_key(key_row.key_ref, likeness_id)
        rows = list(FaceEmbedding.objects.filter(likeness=likeness).select_related("photo").order_by("photo__position"))
        photos, embeddings = [], []
        for row in rows:
            with default_storage.open(row.photo.storage_name, "rb") as handle:
                sealed = handle.read()
            photo_id = str(row.photo_id)
            photos.append(
                decode_png(crypto.unseal(data_key, sealed, context=crypto.photo_context(likeness_id, photo_id)))
            )
            plain = crypto.unseal(
                data_key, bytes(row.ciphertext), context=crypto.embedding_context(likeness_id, photo_id)
            )
            embeddings.append(np.frombuffer(plain, dtype=np.float32).copy())
        engine_name = rows[0].engine if rows else ""
        engine = get_engine(engine_name) if rows else None
        faces = [engine.detect(photo)[0] for photo in photos] if engine is not None else []
        audit_record(
            actor=actor,
            actor_label=None if actor is not None else "render-worker",
            action=AuditAction.LIKENESS_MATERIALS_RELEASED,
            target=likeness,
            data={"purpose": purpose, "photos": len(photos)},
        )
    return IdentityMaterials(
        likeness_id=likeness.pk,
        photos=photos,
        faces=faces,
        embeddings=embeddings,
        engine=engine_name,
        models=dict(rows[0].model_info) if rows else {},
    )
