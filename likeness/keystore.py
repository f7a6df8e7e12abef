"""Where each likeness's data key lives: outside the database, in a store with its own lifecycle.

The database keeps only ciphertext and a key reference (`LikenessKey.key_ref`), never a key, wrapped
or not. So PostgreSQL's dead tuples, WAL and every database backup hold nothing that opens a face
once the store has destroyed that likeness's key: erasure destroys the key, and with it every copy
of the ciphertext, wherever it survives (crypto-shredding).

Two stores (LIKENESS_KEY_STORE):

* `file` (default): one file per likeness under LIKENESS_KEY_STORE_DIR (default DATA_DIR/likeness-keys)
  holding the data key wrapped by the key-encryption key (likeness/crypto.py), so a stolen copy of
  the directory alone opens nothing. Written atomically (a 0600 temporary file in the same
  directory, fsync, rename, fsync of the directory); destroyed by overwriting the file with random
  bytes, fsync, unlink and fsync of the directory. On copy-on-write or flash storage the overwrite
  is best effort; what makes the key unrecoverable is that no live copy remains and that the
  directory's backups expire (LIKENESS_KEY_STORE_BACKUP_RETENTION_DAYS, deploy/OPERATIONS.md).
* `kms` (production on AWS): one customer master key per likeness, created by the platform;
  GenerateDataKey under it gives the data key and its KMS ciphertext, which is the key reference.
  Erasure disables the master key at once and schedules its deletion after the pending window
  (LIKENESS_KEY_STORE_BACKUP_RETENTION_DAYS, clamped to KMS's 7-30 days); after that no backup of
  anything opens the face. Tested only against botocore's Stubber: there is no KMS here.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from likeness import crypto

_LIKENESS_ID = re.compile(r"^[0-9a-f-]{36}$")
# KMS errors that mean the key (or its ciphertext) no longer opens: destroyed, disabled, pending deletion.
_GONE = {"DisabledException", "KMSInvalidStateException", "NotFoundException", "InvalidCiphertextException"}


class KeyStore(Protocol):
    name: str

    def create(self, likeness_id: str) -> tuple[bytes, str]:
        """A fresh data key for the likeness and the reference the database keeps for it."""
        ...

    def import_key(self, likeness_id: str, data_key: bytes) -> str:
        """Store an existing data key (the migration from wrapped keys in the database)."""
        ...

    def load(self, key_ref: str, likeness_id: str) -> bytes:
        """The data key, or SealedDataUnreadable if it was destroyed or the reference is wrong."""
        ...

    def destroy(self, key_ref: str, likeness_id: str) -> None:
        """Destroy the key for good; destroying an absent key is not an error."""
        ...


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileKeyStore:
    name = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, likeness_id: str) -> Path:
        if not _LIKENESS_ID.match(likeness_id):
            raise crypto.SealedDataUnreadable(f"not a likeness id: {likeness_id!r}")
        return self.directory / f"{likeness_id}.key"

    def _write(self, likeness_id: str, data_key: bytes) -> str:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._path(likeness_id)
        wrapped = crypto.wrap_data_key(data_key, likeness_id=likeness_id)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".new-", suffix=".key")  # mode 0600
        try:
            os.write(fd, wrapped)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        _fsync_dir(self.directory)
        return f"file:{likeness_id}"

    def create(self, likeness_id: str) -> tuple[bytes, str]:
        data_key = crypto.new_data_key()
        return data_key, self._write(likeness_id, data_key)

    def import_key(self, likeness_id: str, data_key: bytes) -> str:
        return self._write(likeness_id, data_key)

    def load(self, key_ref: str, likeness_id: str) -> bytes:
        if key_ref != f"file:{likeness_id}":
            raise crypto.SealedDataUnreadable(f"the data key of likeness {likeness_id} has been destroyed")
        try:
            wrapped = self._path(likeness_id).read_bytes()
        except FileNotFoundError:
            raise crypto.SealedDataUnreadable(f"the data key of likeness {likeness_id} has been destroyed") from None
        return crypto.unwrap_data_key(wrapped, likeness_id=likeness_id)

    def destroy(self, key_ref: str, likeness_id: str) -> None:
        path = self._path(likeness_id)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return
        try:
            size = os.fstat(fd).st_size
            os.pwrite(fd, os.urandom(max(size, 1)), 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        path.unlink()
        _fsync_dir(self.directory)


def _kms_client() -> Any:
    import boto3

    return boto3.client("kms")


class KmsKeyStore:
    name = "kms"

    def __init__(self, pending_window_days: int) -> None:
        self.pending_window_days = min(30, max(7, pending_window_days))

    @staticmethod
    def _context(likeness_id: str) -> dict[str, str]:
        return {"likeness": likeness_id}

    def _new_master_key(self, likeness_id: str) -> str:
        response = _kms_client().create_key(
            Description=f"data key of likeness {likeness_id}",
            KeyUsage="ENCRYPT_DECRYPT",
            KeySpec="SYMMETRIC_DEFAULT",
            Tags=[{"TagKey": "likeness", "TagValue": likeness_id}],
        )
        return str(response["KeyMetadata"]["KeyId"])

    @staticmethod
    def _ref(key_id: str, blob: bytes) -> str:
        return f"kms:{key_id}:{base64.b64encode(blob).decode('ascii')}"

    @staticmethod
    def _parse(key_ref: str, likeness_id: str) -> tuple[str, bytes]:
        try:
            scheme, key_id, blob = key_ref.split(":", 2) if key_ref.startswith("kms:") else ("", "", "")
            if scheme != "kms":
                raise ValueError(key_ref)
            return key_id, base64.b64decode(blob, validate=True)
        except (ValueError, binascii.Error):
            raise crypto.SealedDataUnreadable(f"the data key of likeness {likeness_id} has been destroyed") from None

    def create(self, likeness_id: str) -> tuple[bytes, str]:
        key_id = self._new_master_key(likeness_id)
        response = _kms_client().generate_data_key(
            KeyId=key_id, KeySpec="AES_256", EncryptionContext=self._context(likeness_id)
        )
        return bytes(response["Plaintext"]), self._ref(key_id, bytes(response["CiphertextBlob"]))

    def import_key(self, likeness_id: str, data_key: bytes) -> str:
        key_id = self._new_master_key(likeness_id)
        response = _kms_client().encrypt(KeyId=key_id, Plaintext=data_key, EncryptionContext=self._context(likeness_id))
        return self._ref(key_id, bytes(response["CiphertextBlob"]))

    def load(self, key_ref: str, likeness_id: str) -> bytes:
        from botocore.exceptions import ClientError

        key_id, blob = self._parse(key_ref, likeness_id)
        try:
            response = _kms_client().decrypt(
                CiphertextBlob=blob, KeyId=key_id, EncryptionContext=self._context(likeness_id)
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in {
                "DisabledException",
                "KMSInvalidStateException",
                "NotFoundException",
                "InvalidCiphertextException",
            }:
                raise crypto.SealedDataUnreadable(
                    f"the data key of likeness {likeness_id} is destroyed ({code})"
                ) from None
            raise
        return bytes(response["Plaintext"])

    def destroy(self, key_ref: str, likeness_id: str) -> None:
        from botocore.exceptions import ClientError

        key_id, _ = self._parse(key_ref, likeness_id)
        client = _kms_client()
        try:
            client.disable_key(KeyId=key_id)
            client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=self.pending_window_days)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code", "") not in {"NotFoundException", "KMSInvalidStateException"}:
                raise


def key_store() -> KeyStore:
    """The configured store (built per call from the settings, so tests can point it elsewhere)."""
    if settings.LIKENESS_KEY_STORE == "kms":
        return KmsKeyStore(settings.LIKENESS_KEY_STORE_BACKUP_RETENTION_DAYS)
    return FileKeyStore(Path(settings.LIKENESS_KEY_STORE_DIR))


def store_for(key_ref: str) -> KeyStore:
    """The store a reference belongs to (a `file:` reference still opens after switching to KMS)."""
    if key_ref.startswith("kms:"):
        return KmsKeyStore(settings.LIKENESS_KEY_STORE_BACKUP_RETENTION_DAYS)
    return FileKeyStore(Path(settings.LIKENESS_KEY_STORE_DIR))


def load_data_key(key_ref: str, likeness_id: str) -> bytes:
    if not key_ref:
        raise crypto.SealedDataUnreadable(f"the data key of likeness {likeness_id} has been destroyed")
    return store_for(key_ref).load(key_ref, likeness_id)


def destroy_data_key(key_ref: str, likeness_id: str) -> None:
    if key_ref:
        store_for(key_ref).destroy(key_ref, likeness_id)
