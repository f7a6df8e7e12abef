"""A studio renders a licensed likeness into its own work, through the API (Celery inline).

Personas: Ada, an actor who enrolled her face and signed a licence; Rights, who holds the film and
granted the studio the right to adapt it; Studio, the licensee; Rival, another studio.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.storage import default_storage

from audit.models import AuditEntry
from likeness.engines.base import get_engine
from render.c2pa_manifest import read_manifest
from render.models import JobStatus, RenderJob
from render.pipeline import read_image
from render.provenance import watermark_key
from render.video import iter_frames
from render.watermark import decode_image, decode_video_frames
from tests.render_story import hopper, make_render_story

pytestmark = pytest.mark.django_db


def output_path(job: RenderJob, tmp_path) -> object:
    suffix = job.output_name.rsplit(".", 1)[-1]
    path = tmp_path / f"out.{suffix}"
    with default_storage.open(job.output_name, "rb") as stored:
        path.write_bytes(stored.read())
    return path


def identity_distances(image: np.ndarray) -> tuple[float, float]:
    """Distance of the largest face in `image` to Ada (the astronaut) and to the original face."""
    from skimage import data

    engine = get_engine("dlib")
    astronaut = data.astronaut()
    ada = engine.embed(astronaut, engine.detect(astronaut)[0])
    original = engine.embed(hopper(), engine.detect(hopper())[0])
    faces = engine.detect(image)
    assert faces, "the output still shows a face"
    face = max(faces, key=lambda f: f.width * f.height)
    found = engine.embed(image, face)
    return float(np.linalg.norm(found - ada)), float(np.linalg.norm(found - original))


def test_a_licensed_still_is_rendered_with_the_face_replaced_labelled_and_signed(tmp_path):
    story = make_render_story(tmp_path)
    response = story.submit()
    assert response.status_code == 201, response.content
    job = RenderJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.COMPLETED, (job.refusal_reason, job.error_code, job.error_message)
    assert job.progress == 100 and job.faces_replaced == 1 and job.engine == "dlib"
    assert set(job.engine_models) >= {
        "shape_predictor_5_face_landmarks.dat",
        "dlib_face_recognition_resnet_model_v1.dat",
    }
    path = output_path(job, tmp_path)
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == job.output_sha256
    to_ada, to_original = identity_distances(read_image(path))
    assert to_ada < to_original, (to_ada, to_original)
    decoded = decode_image(read_image(path), key=watermark_key())
    assert (decoded.found, decoded.mark_id) == (True, job.mark_id)
    xmp = path.read_bytes()
    assert b"<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/" in xmp
    assert b"compositeWithTrainedAlgorithmicMedia" in xmp and str(job.pk).encode() in xmp
    manifest = read_manifest(path)
    assert manifest.state == "Trusted"
    assert manifest.license_assertion["job_id"] == str(job.pk)
    assert manifest.license_assertion["license_id"] == str(story.license.pk)
    assert manifest.license_assertion["mark_id"] == job.mark_id
    actions = list(AuditEntry.objects.filter(target_id=str(job.pk)).values_list("action", flat=True))
    assert actions == ["render_job.submitted", "render_job.started", "render_job.completed"]


def test_a_licensed_video_keeps_its_sound_and_every_frame_shows_ada(tmp_path):
    story = make_render_story(tmp_path)
    job = RenderJob.objects.get(pk=story.submit(kind="video").json()["id"])
    assert job.status == JobStatus.COMPLETED, (job.refusal_reason, job.error_code, job.error_message)
    assert job.frames_done == job.frames_total == 24
    path = output_path(job, tmp_path)
    import av

    with av.open(str(path)) as container:
        assert container.streams.audio, "the soundtrack is kept"
    frames = list(iter_frames(path))
    assert len(frames) == 24
    to_ada, to_original = identity_distances(frames[12])
    assert to_ada < to_original
    decoded = decode_video_frames(frames, key=watermark_key())
    assert (decoded.found, decoded.mark_id) == (True, job.mark_id)
    assert read_manifest(path).state == "Trusted"


def test_the_studio_sees_progress_and_the_rival_sees_nothing(tmp_path):
    from tests.factories import make_studio

    story = make_render_story(tmp_path)
    job_id = story.submit().json()["id"]
    body = story.studio.client().get(f"/api/v1/render-jobs/{job_id}/").json()
    assert (body["status"], body["progress"]) == ("completed", 100)
    rival = make_studio("rival")
    assert rival.client().get(f"/api/v1/render-jobs/{job_id}/").status_code == 404
    assert rival.client().get(f"/api/v1/render-jobs/{job_id}/download").status_code == 404
