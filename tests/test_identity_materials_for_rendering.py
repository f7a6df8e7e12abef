"""The render worker's access to a likeness's identity: decrypted only there, and audited.

Personas: an actor with an enrolled likeness (the astronaut photos).
"""

from __future__ import annotations

import numpy as np
import pytest

from audit.models import AuditEntry
from likeness.services import likeness_identity_materials
from tests.factories import astronaut, make_enrolled_actor

pytestmark = pytest.mark.django_db


def test_it_returns_the_decrypted_photos_faces_and_embeddings_and_audits_the_release():
    actor = make_enrolled_actor()
    materials = likeness_identity_materials(likeness=actor.likeness, purpose="render:job-1")
    assert materials.likeness_id == actor.likeness.pk and materials.engine == "dlib"
    assert len(materials.photos) == len(materials.embeddings) == len(materials.faces) == 3
    assert np.array_equal(materials.photos[0], astronaut())  # lossless round trip through encryption
    assert materials.photos[2].shape == (600, 600, 3)
    assert all(e.shape == (128,) and abs(float(np.linalg.norm(e)) - 1) < 1e-5 for e in materials.embeddings)
    assert "dlib_face_recognition_resnet_model_v1.dat" in materials.models
    entry = AuditEntry.objects.get(action="likeness.materials_released")
    assert entry.data == {"purpose": "render:job-1", "photos": 3} and entry.actor_label == "render-worker"
