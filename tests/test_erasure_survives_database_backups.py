"""Erasure by crypto-shredding holds against the database's own copies: backups and dead tuples.

The threat: someone holds a database backup taken before the erasure (or reads PostgreSQL's raw
pages, where deleted rows linger as dead tuples until vacuumed), plus the key-encryption key and
every key the platform still has. Before the erasure such a copy opens the face; after it, nothing
in it opens with any key that remains, because the data key was never in the database and the key
store destroyed it. Each check first proves on the same bytes, before the erasure, that the scan
would find and open the face, so a passing check is not a scan that sees nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from likeness import crypto
from likeness.keystore import load_data_key
from likeness.models import FaceEmbedding, LikenessKey
from likeness.services import likeness_erase
from tests.factories import make_enrolled_actor

WRAPPED_KEY_BYTES = 1 + crypto.NONCE_BYTES + crypto.KEY_BYTES + 16


def what_opens(haystack: bytes, keys: list[bytes], targets: list[tuple[str, int]]) -> list[str]:
    """Every (context) of `targets` that some window of `haystack` opens under some key.

    Sealed blobs start with the version byte, so each occurrence of it is tried as the start of a
    blob of each target length, under each key and the target's associated data.
    """
    opened = []
    for context, length in targets:
        for match in re.finditer(re.escape(crypto.VERSION), haystack):
            window = haystack[match.start() : match.start() + length]
            if len(window) < length:
                break
            if any(_opens(key, window, context) for key in keys):
                opened.append(context)
                break
    return opened


def _opens(key: bytes, blob: bytes, context: str) -> bool:
    try:
        crypto.unseal(key, blob, context=context)
    except crypto.SealedDataUnreadable:
        return False
    return True


def targets_of(likeness_id: str) -> list[tuple[str, int]]:
    """The erased likeness's embeddings, and its data key as the old design stored it (wrapped by the KEK)."""
    out = [
        (crypto.embedding_context(likeness_id, str(e.photo_id)), len(bytes(e.ciphertext)))
        for e in FaceEmbedding.objects.filter(likeness_id=likeness_id)
    ]
    return [*out, (f"likeness-data-key:{likeness_id}", WRAPPED_KEY_BYTES)]


def remaining_keys() -> list[bytes]:
    """The KEK and every data key the platform can still load."""
    keys = [crypto.kek()]
    for row in LikenessKey.objects.exclude(key_ref=""):
        keys.append(load_data_key(row.key_ref, str(row.likeness_id)))
    return keys


def database_backup(tmp_path: Path) -> bytes:
    """pg_dump of the likeness tables on PostgreSQL; a copy of the database file on SQLite."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        command = ["pg_dump", "--data-only", "--table=likeness_*", "-h", settings["HOST"] or "127.0.0.1"]
        command += ["-p", str(settings["PORT"] or 5432), "-U", settings["USER"] or "postgres", settings["NAME"]]
        dump = subprocess.run(command, check=True, capture_output=True).stdout
        # bytea columns are dumped as hex: decode every \x... run back to bytes.
        return b"\0".join(bytes.fromhex(m.decode()) for m in re.findall(rb"\\\\x([0-9a-f]+)", dump))
    copy = b""
    for suffix in ("", "-wal"):
        source = Path(settings["NAME"] + suffix)
        if source.exists():
            shutil.copy(source, tmp_path / source.name)
            copy += (tmp_path / source.name).read_bytes()
    return copy


def test_a_database_backup_taken_before_an_erasure_cannot_be_decrypted_after_it(committed_db, tmp_path):
    actor = make_enrolled_actor()
    likeness_id = str(actor.likeness.pk)
    targets = targets_of(likeness_id)
    backup = database_backup(tmp_path)
    live_key = load_data_key(LikenessKey.objects.get(likeness=actor.likeness).key_ref, likeness_id)
    # Before the erasure, the backup opens with the likeness's key: every embedding is in it.
    assert sorted(what_opens(backup, [live_key], targets[:-1])) == sorted(c for c, _ in targets[:-1])
    # ... but nothing in it opens with the KEK alone: the backup holds no key, wrapped or not.
    assert what_opens(backup, [crypto.kek()], targets) == []

    likeness_erase(likeness=actor.likeness, actor=actor.user)

    keys = remaining_keys()
    assert live_key not in keys
    assert what_opens(backup, keys, targets) == []


@pytest.mark.postgres
def test_postgresql_raw_pages_after_an_erasure_hold_nothing_that_opens(committed_db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute("ALTER TABLE likeness_faceembedding SET (autovacuum_enabled = false)")
        cursor.execute("ALTER TABLE likeness_likenesskey SET (autovacuum_enabled = false)")
    actor = make_enrolled_actor()
    likeness_id = str(actor.likeness.pk)
    targets = targets_of(likeness_id)
    ciphertexts = [bytes(e.ciphertext) for e in FaceEmbedding.objects.filter(likeness=actor.likeness)]
    live_key = load_data_key(LikenessKey.objects.get(likeness=actor.likeness).key_ref, likeness_id)
    before = raw_pages()
    assert sorted(what_opens(before, [live_key], targets[:-1])) == sorted(c for c, _ in targets[:-1])

    likeness_erase(likeness=actor.likeness, actor=actor.user)

    after = raw_pages()
    assert not FaceEmbedding.objects.filter(likeness=actor.likeness).exists()
    assert any(blob in after for blob in ciphertexts)  # the deleted rows linger as dead tuples...
    assert what_opens(after, remaining_keys(), targets) == []  # ...and nothing the platform holds opens them


def raw_pages() -> bytes:
    """Every page of every likeness table and its TOAST table, as PostgreSQL stores them (live and dead tuples)."""
    pages = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text, t.oid::regclass::text FROM pg_class c "
            "LEFT JOIN pg_class t ON t.oid = c.reltoastrelid WHERE c.relname LIKE 'likeness\\_%%' AND c.relkind = 'r'"
        )
        relations = [name for pair in cursor.fetchall() for name in pair if name]
        for relation in relations:
            cursor.execute("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", [relation])
            (blocks,) = cursor.fetchone()
            for block in range(blocks):
                cursor.execute("SELECT get_raw_page(%s, %s)", [relation, block])
                pages.append(bytes(cursor.fetchone()[0]))
    return b"".join(pages)
