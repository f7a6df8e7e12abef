"""The likeness key store: data keys live outside the database, and destroying one is for good.

The file store is tested on disk. The AWS KMS store is tested only against botocore's Stubber
(the requests it makes and how it reads KMS's answers): there is no KMS in this environment.
"""

from __future__ import annotations

import base64
import os
import stat

import pytest
from botocore.stub import Stubber

from likeness import crypto, keystore
from likeness.keystore import FileKeyStore, KmsKeyStore, load_data_key

LIKENESS = "0f8e2d4c-1b3a-4c5d-8e9f-a0b1c2d3e4f5"


def test_the_file_store_writes_a_private_wrapped_key_atomically_and_destroys_it_for_good(isolated_key_store):
    store = FileKeyStore(isolated_key_store)
    data_key, key_ref = store.create(LIKENESS)
    path = isolated_key_store / f"{LIKENESS}.key"
    assert key_ref == f"file:{LIKENESS}" and len(data_key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert data_key not in path.read_bytes()  # wrapped by the KEK, not the key in the clear
    assert [p.name for p in isolated_key_store.iterdir()] == [path.name]  # no temporary file left
    assert store.load(key_ref, LIKENESS) == data_key
    with pytest.raises(crypto.SealedDataUnreadable):
        store.load(key_ref, "11111111-2222-3333-4444-555555555555")  # a reference for another likeness

    copy_of_file = path.read_bytes()
    store.destroy(key_ref, LIKENESS)
    assert not path.exists()
    with pytest.raises(crypto.SealedDataUnreadable):
        load_data_key(key_ref, LIKENESS)
    store.destroy(key_ref, LIKENESS)  # destroying an absent key is not an error
    # A copy of the key file taken before (a key-store backup) opens only with the KEK: the
    # retention window of those backups is what bounds it (deploy/OPERATIONS.md).
    assert crypto.unwrap_data_key(copy_of_file, likeness_id=LIKENESS) == data_key


def test_the_file_store_refuses_a_reference_that_is_not_a_likeness_id(isolated_key_store):
    with pytest.raises(crypto.SealedDataUnreadable):
        load_data_key("file:../../etc/passwd", "../../etc/passwd")
    with pytest.raises(crypto.SealedDataUnreadable):
        load_data_key("", LIKENESS)  # an erased likeness's reference


@pytest.fixture
def kms(monkeypatch):
    import boto3

    client = boto3.client("kms", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")
    monkeypatch.setattr(keystore, "_kms_client", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_the_kms_store_makes_one_master_key_per_likeness_and_schedules_its_deletion_on_erasure(kms, settings):
    settings.LIKENESS_KEY_STORE = "kms"
    settings.LIKENESS_KEY_STORE_BACKUP_RETENTION_DAYS = 90  # KMS allows 7 to 30 days
    data_key, blob, key_id = os.urandom(32), b"kms-wrapped-data-key", "1234abcd-12ab-34cd-56ef-1234567890ab"
    context = {"likeness": LIKENESS}
    kms.add_response(
        "create_key",
        {"KeyMetadata": {"KeyId": key_id}},
        {
            "Description": f"data key of likeness {LIKENESS}",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "Tags": [{"TagKey": "likeness", "TagValue": LIKENESS}],
        },
    )
    kms.add_response(
        "generate_data_key",
        {"Plaintext": data_key, "CiphertextBlob": blob, "KeyId": key_id},
        {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": context},
    )
    kms.add_response(
        "decrypt",
        {"Plaintext": data_key, "KeyId": key_id},
        {"CiphertextBlob": blob, "KeyId": key_id, "EncryptionContext": context},
    )
    kms.add_response("disable_key", {}, {"KeyId": key_id})
    kms.add_response("schedule_key_deletion", {"KeyId": key_id}, {"KeyId": key_id, "PendingWindowInDays": 30})
    kms.add_client_error(
        "decrypt",
        service_error_code="DisabledException",
        http_status_code=400,
        expected_params={"CiphertextBlob": blob, "KeyId": key_id, "EncryptionContext": context},
    )

    store = keystore.key_store()
    got_key, key_ref = store.create(LIKENESS)
    assert got_key == data_key
    assert key_ref == f"kms:{key_id}:{base64.b64encode(blob).decode()}"  # what the database keeps
    assert load_data_key(key_ref, LIKENESS) == data_key
    keystore.destroy_data_key(key_ref, LIKENESS)
    with pytest.raises(crypto.SealedDataUnreadable):
        load_data_key(key_ref, LIKENESS)


def test_the_kms_store_imports_an_existing_key_under_a_new_master_key(kms):
    data_key, key_id = os.urandom(32), "abcd"
    kms.add_response("create_key", {"KeyMetadata": {"KeyId": key_id}})
    kms.add_response(
        "encrypt",
        {"CiphertextBlob": b"sealed", "KeyId": key_id},
        {"KeyId": key_id, "Plaintext": data_key, "EncryptionContext": {"likeness": LIKENESS}},
    )
    assert KmsKeyStore(30).import_key(LIKENESS, data_key) == f"kms:{key_id}:{base64.b64encode(b'sealed').decode()}"
