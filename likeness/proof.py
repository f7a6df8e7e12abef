"""Proof of person: single-use head-turn challenges, the check of the recorded clip, and what follows.

A likeness is open to licences only once its owner passed a live capture against its enrolment
photos (`likeness_open_to_licences`). The flow: the owner (or whoever a claim or protection is
for) gets a fresh challenge (`liveness_challenge_issue`), records it, and submits the clip
(`liveness_submit`). The submission uses the challenge up (single use) and records a keyed hash
of the clip before any analysis, so neither the challenge nor the clip can be used twice; the
clip is then analysed (likeness/liveness.py), stored sealed under the likeness's data key, and
the result audited: outcome, engine, model hashes, challenge id, never pixels or embeddings.
A refused clip is recorded and audited as a failed attempt, then reported with its reason code.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from audit.actions import AuditAction
from audit.services import audit_record
from config import clock
from config.errors import Conflict, Invalid, NotFound
from likeness import crypto
from likeness.codes import LikenessCode
from likeness.engines import FaceEngine, get_engine
from likeness.keystore import load_data_key
from likeness.liveness import HOLD, TURNS, LivenessProblem, LivenessVerdict, verify_clip
from likeness.models import (
    FaceEmbedding,
    Likeness,
    LikenessKey,
    LikenessStatus,
    LivenessChallenge,
    LivenessClipFingerprint,
    LivenessPurpose,
)

logger = logging.getLogger(__name__)

CHALLENGE_SECONDS = 120
TURN_COUNT = 3
CLIP_MAX_BYTES = 30 * 1024 * 1024
PASSED = "passed"
# Clips not kept as evidence: what could not be read is no evidence of anything.
UNSTORED_REASONS = {"liveness_clip_too_large", "liveness_unreadable_clip"}


def liveness_clip_context(likeness_id: str, challenge_id: str) -> str:
    return f"liveness-clip:{likeness_id}:{challenge_id}"


def person_verified(likeness: Likeness) -> bool:
    """Whether the likeness's current owner passed a live capture against its enrolment photos
    (at enrolment, or in a claim that transferred the likeness to her)."""
    return LivenessChallenge.objects.filter(
        likeness=likeness,
        purpose__in=[LivenessPurpose.ENROLMENT, LivenessPurpose.CLAIM],
        issued_to_id=likeness.owner.user_id,
        outcome=PASSED,
    ).exists()


def likeness_open_to_licences(likeness: Likeness) -> bool:
    """Enrolled, marked licensable by its owner, and proven to be its owner's own face."""
    return likeness.status == LikenessStatus.ENROLLED and likeness.licensable and person_verified(likeness)


def new_sequence() -> list[str]:
    """TURN_COUNT turns, never the same twice in a row, then hold still (3 x 2 x 2 = 12 orders)."""
    turns: list[str] = []
    while len(turns) < TURN_COUNT:
        step = secrets.choice(TURNS)
        if not turns or turns[-1] != step:
            turns.append(step)
    return [*turns, HOLD]


def _data_key(likeness: Likeness) -> bytes:
    row = LikenessKey.objects.get(likeness=likeness)
    return load_data_key(row.key_ref, str(likeness.pk))


def _enrolled_embeddings(likeness: Likeness) -> tuple[str, list[np.ndarray]]:
    rows = list(FaceEmbedding.objects.filter(likeness=likeness).order_by("photo__position"))
    if not rows:
        return "", []
    data_key = _data_key(likeness)
    likeness_id = str(likeness.pk)
    out = []
    for row in rows:
        plain = crypto.unseal(
            data_key, bytes(row.ciphertext), context=crypto.embedding_context(likeness_id, str(row.photo_id))
        )
        out.append(np.frombuffer(plain, dtype=np.float32).copy())
    return rows[0].engine, out


def clip_digest(data: bytes) -> str:
    """A keyed hash: equal clips are recognised, but the digest says nothing about the clip outside this platform."""
    return hmac.new(f"liveness-clip:{settings.SECRET_KEY}".encode(), data, hashlib.sha256).hexdigest()


def liveness_challenge_issue(
    *, likeness: Likeness, actor: Any, purpose: str = LivenessPurpose.ENROLMENT
) -> LivenessChallenge:
    """A fresh single-use challenge for a likeness whose enrolment photos are stored."""
    with transaction.atomic():
        likeness = Likeness.objects.select_for_update().get(pk=likeness.pk)
        if likeness.status not in (LikenessStatus.ENROLLED, LikenessStatus.FROZEN, LikenessStatus.DISPUTED):
            raise Conflict(
                "enrol photos of your face before the live capture",
                code=LikenessCode.LIVENESS_NOT_ENROLLED,
                detail={"status": likeness.status},
            )
        now = clock.now()
        challenge = LivenessChallenge.objects.create(
            likeness=likeness,
            issued_to=actor if getattr(actor, "pk", None) is not None else None,
            purpose=purpose,
            sequence=new_sequence(),
            issued_at=now,
            expires_at=now + timedelta(seconds=CHALLENGE_SECONDS),
        )
        audit_record(
            actor=actor,
            action=AuditAction.LIKENESS_LIVENESS_CHALLENGED,
            target=likeness,
            data={
                "challenge_id": str(challenge.pk),
                "purpose": purpose,
                "sequence": challenge.sequence,
                "expires_at": challenge.expires_at.isoformat(),
            },
        )
    return challenge


@dataclass(frozen=True)
class LivenessOutcome:
    challenge: LivenessChallenge
    verdict: LivenessVerdict | None
    problem: LivenessProblem | None

    @property
    def passed(self) -> bool:
        return self.problem is None


def refusal_error(problem: LivenessProblem, challenge: LivenessChallenge) -> Invalid:
    """The API error for a refused clip: its reason code, and the challenge it used up."""
    return Invalid(
        problem.message,
        code=problem.reason,
        detail={"reason": problem.reason, "challenge_id": str(challenge.pk), **problem.detail},
    )


def _take_challenge(*, likeness: Likeness, challenge_id: uuid.UUID, data: bytes, actor: Any) -> LivenessChallenge:
    """Use the challenge up and fingerprint the clip, committed before any analysis."""
    with transaction.atomic():
        challenge = (
            LivenessChallenge.objects.select_for_update().filter(pk=challenge_id, likeness_id=likeness.pk).first()
        )
        if challenge is None:
            raise NotFound("no such liveness challenge for this likeness", code=LikenessCode.LIVENESS_CHALLENGE_UNKNOWN)
        if challenge.used_at is not None:
            raise Conflict(
                "this challenge was already used; ask for a new one",
                code=LikenessCode.LIVENESS_CHALLENGE_USED,
                detail={"challenge_id": str(challenge.pk)},
            )
        now = clock.now()
        if now > challenge.expires_at:
            raise Conflict(
                "this challenge has expired; ask for a new one and record it at once",
                code=LikenessCode.LIVENESS_CHALLENGE_EXPIRED,
                detail={"challenge_id": str(challenge.pk), "expired_at": challenge.expires_at.isoformat()},
            )
        challenge.used_at = now
        digest = clip_digest(data)
        replayed = LivenessClipFingerprint.objects.filter(digest=digest).exists()
        if replayed:
            challenge.outcome = "liveness_replayed"
            challenge.checked_at = now
        else:
            LivenessClipFingerprint.objects.create(digest=digest, challenge=challenge, created_at=now)
        challenge.save(update_fields=["used_at", "outcome", "checked_at"])
        if replayed:
            audit_record(
                actor=actor,
                action=AuditAction.LIKENESS_LIVENESS_CHECKED,
                target=challenge.likeness,
                data={"challenge_id": str(challenge.pk), "purpose": challenge.purpose, "outcome": "liveness_replayed"},
            )
    return challenge


def liveness_check(
    *, likeness: Likeness, challenge_id: uuid.UUID, clip: bytes, actor: Any, engine_name: str | None = None
) -> LivenessOutcome:
    """Check a recorded clip against its challenge; records and audits the outcome either way.

    The clip is compared with the enrolment photos of `likeness` (for a claim, the claimant's own
    likeness: see likeness/claims.py). Raises only for a challenge that cannot be used (unknown,
    used, expired); every other refusal is returned as the outcome's `problem`.
    """
    challenge = _take_challenge(likeness=likeness, challenge_id=challenge_id, data=clip, actor=actor)
    if challenge.outcome == "liveness_replayed":
        return LivenessOutcome(
            challenge=challenge,
            verdict=None,
            problem=LivenessProblem("liveness_replayed", "this clip was submitted before; record a new one"),
        )
    stored_engine, enrolled = _enrolled_embeddings(likeness)
    engine: FaceEngine = get_engine(engine_name or stored_engine or None)
    verdict: LivenessVerdict | None = None
    problem: LivenessProblem | None = None
    try:
        verdict = verify_clip(
            engine=engine,
            data=clip,
            sequence=list(challenge.sequence),
            issued_at=challenge.issued_at,
            enrolled=enrolled,
            max_bytes=CLIP_MAX_BYTES,
        )
    except LivenessProblem as exc:
        problem = exc
    return LivenessOutcome(
        challenge=_record(challenge=challenge, clip=clip, engine=engine, verdict=verdict, problem=problem, actor=actor),
        verdict=verdict,
        problem=problem,
    )


def _record(
    *,
    challenge: LivenessChallenge,
    clip: bytes,
    engine: FaceEngine,
    verdict: LivenessVerdict | None,
    problem: LivenessProblem | None,
    actor: Any,
) -> LivenessChallenge:
    name = ""
    try:
        with transaction.atomic():
            challenge = LivenessChallenge.objects.select_for_update().select_related("likeness").get(pk=challenge.pk)
            likeness = Likeness.objects.select_for_update().get(pk=challenge.likeness_id)
            unreadable = problem is not None and problem.reason in UNSTORED_REASONS
            keep_clip = likeness.status != LikenessStatus.ERASED and not unreadable
            if keep_clip:
                sealed = crypto.seal(
                    _data_key(likeness), clip, context=liveness_clip_context(str(likeness.pk), str(challenge.pk))
                )
                name = default_storage.save(
                    f"likeness/{likeness.pk}/liveness-{challenge.pk.hex}.sealed", ContentFile(sealed)
                )
            challenge.outcome = PASSED if problem is None else problem.reason
            challenge.engine = engine.name
            challenge.model_info = engine.model_info()
            challenge.clip_storage_name = name
            challenge.checked_at = clock.now()
            challenge.save(update_fields=["outcome", "engine", "model_info", "clip_storage_name", "checked_at"])
            data: dict[str, Any] = {
                "challenge_id": str(challenge.pk),
                "purpose": challenge.purpose,
                "outcome": challenge.outcome,
                "engine": engine.name,
                "models": engine.model_info(),
            }
            if verdict is not None:
                data.update({"turns_seen": verdict.turns_seen, "samples": verdict.samples, "seconds": verdict.duration})
            audit_record(actor=actor, action=AuditAction.LIKENESS_LIVENESS_CHECKED, target=likeness, data=data)
    except BaseException:
        if name:
            _delete_files([name])
        raise
    return challenge


def liveness_submit(
    *, likeness: Likeness, challenge_id: uuid.UUID, clip: bytes, actor: Any, engine_name: str | None = None
) -> LivenessChallenge:
    """The owner's live capture at enrolment: passes (the likeness may become licensable) or raises Invalid."""
    outcome = liveness_check(
        likeness=likeness, challenge_id=challenge_id, clip=clip, actor=actor, engine_name=engine_name
    )
    if outcome.problem is not None:
        raise refusal_error(outcome.problem, outcome.challenge)
    return outcome.challenge


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - what remains is ciphertext whose key is destroyed
            logger.exception("could not delete %s", name)


def shred_liveness_clips(*, likeness: Likeness, actor: Any) -> None:
    """Erasure hook: forget the stored clips (their key is destroyed with the likeness's)."""
    names = [
        n for n in LivenessChallenge.objects.filter(likeness=likeness).values_list("clip_storage_name", flat=True) if n
    ]
    if names:
        LivenessChallenge.objects.filter(likeness=likeness).update(clip_storage_name="")
        transaction.on_commit(lambda: _delete_files(names))
