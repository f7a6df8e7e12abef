"""Download links are presigned for S3_PUBLIC_ENDPOINT_URL, the address a studio outside can open.

The platform reaches the bucket at an internal address (in a cluster, http://seaweedfs:8333); here
the internal address is http://127.0.0.1:<port> and the public one http://localhost:<port>, the same
real SeaweedFS server under another name, as an ingress would publish it.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from config.s3 import S3Storage
from tests.conftest import use_s3_bucket


def public_address(internal: str) -> str:
    return internal.replace("127.0.0.1", "localhost")


@pytest.fixture
def bucket_with_public_endpoint(settings, s3_server):
    bucket = use_s3_bucket(settings, s3_server, f"public-{uuid.uuid4().hex[:12]}")
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "config.s3.S3Storage",
            "OPTIONS": {**default["OPTIONS"], "public_endpoint_url": public_address(s3_server.endpoint_url)},
        },
    }
    return bucket


def test_a_studio_outside_opens_the_link_at_the_public_address(bucket_with_public_endpoint, s3_server):
    output = b"rendered output " * 1000
    name = default_storage.save("outputs/job/output.jpg", ContentFile(output))
    link = default_storage.url(name)
    assert urlsplit(link).netloc == urlsplit(public_address(s3_server.endpoint_url)).netloc
    assert urlsplit(link).netloc != urlsplit(s3_server.endpoint_url).netloc, "never the internal address"
    with urllib.request.urlopen(link, timeout=30) as response:
        assert hashlib.sha256(response.read()).hexdigest() == hashlib.sha256(output).hexdigest()
    assert default_storage.open(name).read() == output, "reads and writes still use the internal endpoint"


def test_an_internal_link_rewritten_to_the_public_host_is_refused(settings, s3_server):
    # Why a second signer is needed: the signature covers the host, so rewriting the URL breaks it.
    use_s3_bucket(settings, s3_server, f"internal-{uuid.uuid4().hex[:12]}")
    name = default_storage.save("outputs/job/output.jpg", ContentFile(b"x" * 100))
    rewritten = public_address(default_storage.url(name))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rewritten, timeout=30)
    assert refused.value.code == 403


def test_a_public_endpoint_that_is_no_url_stops_start_up():
    with pytest.raises(ImproperlyConfigured, match="S3_PUBLIC_ENDPOINT_URL"):
        S3Storage(bucket_name="b", public_endpoint_url="media.platform.example")
