"""The key-encryption key: from a setting, from a file generated once, or through a KMS."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from likeness import crypto


def test_a_kek_from_the_setting_wraps_keys_that_only_it_and_the_right_likeness_open(settings):
    settings.LIKENESS_KEK = base64.b64encode(os.urandom(32)).decode()
    data_key = crypto.new_data_key()
    wrapped = crypto.wrap_data_key(data_key, likeness_id="a")
    assert crypto.unwrap_data_key(wrapped, likeness_id="a") == data_key
    with pytest.raises(crypto.SealedDataUnreadable):
        crypto.unwrap_data_key(wrapped, likeness_id="b")  # moved to another likeness
    settings.LIKENESS_KEK = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(crypto.SealedDataUnreadable):
        crypto.unwrap_data_key(wrapped, likeness_id="a")  # another KEK


def test_the_embedded_default_generates_a_kek_file_once_and_production_refuses_a_missing_one(settings, tmp_path):
    settings.LIKENESS_KEK = None
    settings.LIKENESS_KEK_FILE = tmp_path / "kek"
    first = crypto.kek()
    assert (tmp_path / "kek").stat().st_mode & 0o777 == 0o600
    assert crypto.kek() == first and len(first) == 32
    settings.LIKENESS_KEK_FILE = tmp_path / "absent"
    settings.LIKENESS_KEK_GENERATE = False
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        crypto.kek()


def test_a_malformed_kek_stops_start_up(settings):
    settings.LIKENESS_KEK = base64.b64encode(b"short").decode()
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        crypto.kek()


def test_with_a_kms_key_the_kek_is_decrypted_once_through_boto3(settings, monkeypatch):
    import boto3
    from botocore.stub import Stubber

    real_kek = os.urandom(32)
    client = boto3.client("kms", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    stubber = Stubber(client)
    stubber.add_response(
        "decrypt",
        {"Plaintext": real_kek, "KeyId": "arn:kms:key"},
        {"CiphertextBlob": b"kms-ciphertext", "KeyId": "arn:kms:key", "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
    )
    monkeypatch.setattr(boto3, "client", lambda service, **kwargs: client)
    settings.LIKENESS_KMS_KEY_ID = "arn:kms:key"
    settings.LIKENESS_KEK = base64.b64encode(b"kms-ciphertext").decode()
    with stubber:
        assert crypto.kek() == real_kek
        assert crypto.kek() == real_kek  # cached: one KMS call per process
    stubber.assert_no_pending_responses()
