"""With S3 configured, readiness and audit checkpoints go through a real S3 server (SeaweedFS).

Personas: an auditor making checkpoints; an attacker who can write to the bucket or the database.
"""

from __future__ import annotations

import io
import json

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client

from audit.checkpoints import audit_checkpoint_create
from config.errors import Conflict
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


def bucket_client(s3_server):
    return boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint_url,
        aws_access_key_id=s3_server.access_key,
        aws_secret_access_key=s3_server.secret_key,
        region_name="us-east-1",
    )


def test_readyz_round_trips_an_object_through_s3(s3_storage, s3_server):
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"]["detail"] == "S3Storage"
    leftovers = bucket_client(s3_server).list_objects_v2(Bucket=s3_storage).get("KeyCount", 0)
    assert leftovers == 0, "the probe cleans up after itself"


def test_readyz_is_503_when_s3_refuses_the_credentials(s3_storage, settings):
    settings.STORAGES["default"]["OPTIONS"] = {**settings.STORAGES["default"]["OPTIONS"], "secret_key": "wrong"}
    from django.core.files.storage import storages

    storages._storages.clear()
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_checkpoints_are_written_once_to_the_bucket(s3_storage, s3_server):
    make_actor()
    checkpoint = audit_checkpoint_create()
    body = bucket_client(s3_server).get_object(Bucket=s3_storage, Key=checkpoint.storage_name)["Body"].read()
    stored = json.loads(body)
    assert stored["signed_tree_head"]["tree_size"] == checkpoint.tree_size
    assert stored["signed_tree_head"]["root_hash"] == checkpoint.root_hash
    assert default_storage.exists(checkpoint.storage_name)


def test_a_different_head_for_a_stored_size_is_a_fork_not_an_overwrite(s3_storage, s3_server):
    actor = make_actor()
    from audit.checkpoints import audit_tree_extend, checkpoint_storage_name

    size = audit_tree_extend()
    forged = json.dumps({"signed_tree_head": {"tree_size": size, "root_hash": "00" * 32}}).encode()
    bucket_client(s3_server).put_object(Bucket=s3_storage, Key=checkpoint_storage_name(size), Body=forged)
    with pytest.raises(Conflict) as refused:
        audit_checkpoint_create()
    assert refused.value.code == "checkpoint_fork"
    assert actor.likeness.pk is not None


def test_audit_verify_reads_the_checkpoints_back_from_the_bucket(s3_storage):
    make_actor()
    call_command("audit_checkpoint", stdout=io.StringIO())
    make_actor("second")
    call_command("audit_checkpoint", stdout=io.StringIO())
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "2 signed checkpoints verify" in out.getvalue()
    # An attacker edits the bucket copy of the first checkpoint: its signature no longer verifies.
    from audit.models import AuditCheckpoint

    first = AuditCheckpoint.objects.order_by("tree_size").first()
    assert first is not None
    with default_storage.open(first.storage_name) as handle:
        stored = json.loads(handle.read())
    stored["signed_tree_head"]["root_hash"] = "11" * 32
    default_storage.delete(first.storage_name)
    default_storage.save(first.storage_name, io.BytesIO(json.dumps(stored).encode()))
    with pytest.raises(CommandError, match="bad_signature"):
        call_command("audit_verify", stdout=io.StringIO())
