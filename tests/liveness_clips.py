"""Recorded-clip stand-ins for the proof-of-person tests: generated once per sequence and cached.

Built by likeness/liveness_samples.py from the two public-domain sample faces; see that module for
how a head turn is imitated.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import Actor


@lru_cache(maxsize=32)
def genuine(face: str, sequence: tuple[str, ...], container: str = "webm", created_at: datetime | None = None) -> bytes:
    from likeness.engines import get_engine
    from likeness.liveness_samples import genuine_clip, sample_faces

    return genuine_clip(
        get_engine("dlib"), sample_faces()[face], list(sequence), container=container, created_at=created_at
    )


@lru_cache(maxsize=4)
def still(face: str) -> bytes:
    from likeness.engines import get_engine
    from likeness.liveness_samples import sample_faces, still_clip

    return still_clip(get_engine("dlib"), sample_faces()[face])


def wrong_order(sequence: list[str]) -> tuple[str, ...]:
    """Three turns in an order other than the challenge's (the first such, so clips can be cached)."""
    turns = tuple(s for s in sequence if s != "hold")
    for order in itertools.product(("left", "right", "up"), repeat=len(turns)):
        if order != turns and all(a != b for a, b in itertools.pairwise(order)):
            return (*order, "hold")
    raise AssertionError(f"no other order for {turns}")


def challenge(actor: Actor) -> dict[str, Any]:
    response = actor.client().post(f"/api/v1/likenesses/{actor.likeness.pk}/liveness/challenges/")
    assert response.status_code == 201, response.content
    return dict(response.json())


def submit(actor: Actor, challenge_id: str, clip: bytes, name: str = "capture.webm") -> Any:
    return actor.client().post(
        f"/api/v1/likenesses/{actor.likeness.pk}/liveness/",
        {"challenge_id": challenge_id, "clip": SimpleUploadedFile(name, clip, content_type="video/webm")},
        format="multipart",
    )
