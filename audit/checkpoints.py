"""The Merkle tree over the audit entries, signed checkpoints, and proofs.

Leaf n of the tree is entry seq n + 1; its leaf bytes are the entry's canonical JSON (the same
bytes the hash chain covers). Interior nodes of complete subtrees are stored (AuditMerkleNode) as
the log grows, so roots and proofs cost O(log n) lookups instead of a rebuild per request.

Checkpoints are signed tree heads. Each is written once to storage outside the database
(AUDIT_CHECKPOINT_PREFIX in the default storage, i.e. the bucket in production). Verification
recomputes the tree from the entries alone, ignoring the stored nodes (an attacker who rewrites
the database can rewrite those too), and compares it with every checkpoint kept outside.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max

from audit import merkle
from audit.chain import EntryRecord
from audit.codes import AuditCode
from audit.keys import audit_keys, current_signing_key_retired
from audit.models import AuditCheckpoint, AuditMerkleNode
from audit.selectors import iter_entry_records
from audit.signing import key_id, public_key_raw, sign_document, signing_key, tree_head_document
from config import clock
from config.errors import Conflict, Invalid

# Serialises tree extension on PostgreSQL (SQLite transactions are already one writer at a time).
_EXTEND_LOCK_KEY = 4_707_284_735_218_591_604
_BATCH = 2000

NodeGetter = Callable[[int, int], bytes]


def leaf_bytes(record: EntryRecord) -> bytes:
    return record.canonical()


class StoredNodes:
    """A node getter over AuditMerkleNode with a per-use cache and a buffer of unsaved nodes."""

    def __init__(self) -> None:
        self.cache: dict[tuple[int, int], bytes] = {}

    def __call__(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self.cache:
            row = AuditMerkleNode.objects.filter(level=level, index=index).values_list("hash", flat=True).first()
            if row is None:
                raise LookupError(f"Merkle node {level}/{index} is not stored yet")
            self.cache[key] = bytes.fromhex(row)
        return self.cache[key]


def indexed_size() -> int:
    top = AuditMerkleNode.objects.filter(level=0).aggregate(top=Max("index"))["top"]
    return 0 if top is None else int(top) + 1


def audit_tree_extend() -> int:
    """Add the nodes for every entry not yet in the tree; return the tree's size. Idempotent."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_EXTEND_LOCK_KEY])
        size = indexed_size()
        nodes = StoredNodes()
        # The left siblings the next leaves climb through are the nodes tiling [0, size): one query.
        nodes.cache.update(fetch_nodes(merkle.root_nodes(tree_size=size)))
        pending: list[AuditMerkleNode] = []
        for record in iter_entry_records(after_seq=size):
            if record.seq != size + 1:
                raise Conflict("the audit log has a gap; run audit_verify", code=AuditCode.AUDIT_CHAIN_BROKEN)
            for level, index, digest in merkle.new_nodes_for_leaf(
                leaf_index=size, leaf=merkle.leaf_hash(leaf_bytes(record)), get_node=nodes
            ):
                nodes.cache[(level, index)] = digest
                pending.append(AuditMerkleNode(level=level, index=index, hash=digest.hex()))
            size += 1
            if len(pending) >= _BATCH:
                AuditMerkleNode.objects.bulk_create(pending)
                pending = []
        AuditMerkleNode.objects.bulk_create(pending)
    return size


def fetch_nodes(coordinates: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored nodes at `coordinates`, in one query; absent ones are left out."""
    wanted = list(dict.fromkeys(coordinates))
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                'SELECT n."level", n."index", n."hash" FROM unnest(%s::integer[], %s::bigint[]) AS w(lv, ix) '
                'JOIN audit_merkle_node n ON n."level" = w.lv AND n."index" = w.ix',
                [[level for level, _ in wanted], [index for _, index in wanted]],
            )
        else:
            condition = " OR ".join(['("level" = %s AND "index" = %s)'] * len(wanted))
            cursor.execute(
                f'SELECT "level", "index", "hash" FROM audit_merkle_node WHERE {condition}',
                [value for pair in wanted for value in pair],
            )
        return {(int(level), int(index)): bytes.fromhex(digest) for level, index, digest in cursor.fetchall()}


def _nodes_for(tree_size: int, coordinates: list[tuple[int, int]]) -> NodeGetter:
    """A getter over every node in `coordinates`, fetched in one query (two more, once, if the tree must
    first be extended to `tree_size`). The root nodes of `tree_size` must be among them: the last one
    ends at leaf `tree_size`, so finding them all shows the tree is indexed that far."""
    if tree_size < 1:
        raise Invalid("tree_size must be at least 1", code=AuditCode.BAD_TREE_SIZE)
    nodes = fetch_nodes(coordinates)
    if len(nodes) < len(set(coordinates)):
        if audit_tree_extend() < tree_size:
            raise Invalid(f"the log has fewer than {tree_size} entries", code=AuditCode.BAD_TREE_SIZE)
        nodes = fetch_nodes(coordinates)
    return lambda level, index: nodes[(level, index)]


def root_at(tree_size: int) -> bytes:
    get_node = _nodes_for(tree_size, merkle.root_nodes(tree_size=max(tree_size, 0)))
    return merkle.root_hash(tree_size=tree_size, get_node=get_node)


def inclusion_proof_with_root(*, seq: int, tree_size: int) -> tuple[list[bytes], bytes]:
    """The audit path of entry `seq` in the tree of `tree_size` entries, and that tree's root: one query."""
    if tree_size >= 1 and not 1 <= seq <= tree_size:
        raise Invalid(f"entry {seq} is not in a tree of size {tree_size}", code=AuditCode.BAD_TREE_SIZE)
    wanted = merkle.root_nodes(tree_size=max(tree_size, 0))
    if tree_size >= 1:
        wanted += merkle.inclusion_proof_nodes(leaf_index=seq - 1, tree_size=tree_size)
    get_node = _nodes_for(tree_size, wanted)
    path = merkle.inclusion_proof(leaf_index=seq - 1, tree_size=tree_size, get_node=get_node)
    return path, merkle.root_hash(tree_size=tree_size, get_node=get_node)


def inclusion_proof_for(*, seq: int, tree_size: int) -> list[bytes]:
    return inclusion_proof_with_root(seq=seq, tree_size=tree_size)[0]


def consistency_proof_with_roots(*, first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
    """The consistency proof from `first` to `second` entries and both roots: one query."""
    if second >= 1 and not 1 <= first <= second:
        raise Invalid("need 1 <= first <= second", code=AuditCode.BAD_TREE_SIZE)
    wanted = merkle.root_nodes(tree_size=max(second, 0))
    if second >= 1:
        wanted += merkle.root_nodes(tree_size=first)
        wanted += merkle.consistency_proof_nodes(first=first, second=second)
    get_node = _nodes_for(second, wanted)
    return (
        merkle.consistency_proof(first=first, second=second, get_node=get_node),
        merkle.root_hash(tree_size=first, get_node=get_node),
        merkle.root_hash(tree_size=second, get_node=get_node),
    )


def consistency_proof_for(*, first: int, second: int) -> list[bytes]:
    return consistency_proof_with_roots(first=first, second=second)[0]


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def checkpoint_public_key(key_id_: str) -> str | None:
    """The published key (raw, base64) a checkpoint names, retired ones included; None if unknown."""
    key = audit_keys().get(key_id_)
    return None if key is None else base64.b64encode(public_key_raw(key.public_key)).decode("ascii")


def checkpoint_storage_name(tree_size: int) -> str:
    return f"{settings.AUDIT_CHECKPOINT_PREFIX}/{tree_size:012d}.json"


def checkpoint_file(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    document = tree_head_document(
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        timestamp=checkpoint.timestamp,
        signer_key_id=checkpoint.key_id,
    )
    return {
        "signed_tree_head": document,
        "signature": checkpoint.signature,
        "algorithm": "Ed25519 over RFC 8785 canonical JSON of signed_tree_head",
        "public_key": checkpoint_public_key(checkpoint.key_id),
    }


def _write_once(name: str, content: bytes) -> None:
    # Checkpoint files are never overwritten: a second, different head for the same size would be a
    # fork of the log, which must be loud, not silently replace the evidence.
    if default_storage.exists(name):
        with default_storage.open(name) as handle:
            if handle.read() != content:
                raise Conflict(f"a different checkpoint is already stored at {name}", code=AuditCode.CHECKPOINT_FORK)
        return
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:
        raise Conflict(f"storage renamed checkpoint {name} to {saved}", code=AuditCode.CHECKPOINT_FORK)


def audit_checkpoint_create() -> AuditCheckpoint:
    """Sign the current tree head and keep it in the database and, once, outside it. Idempotent."""
    size = audit_tree_extend()
    if size == 0:
        raise Conflict("the audit log is empty; nothing to checkpoint", code=AuditCode.AUDIT_LOG_EMPTY)
    existing = AuditCheckpoint.objects.filter(tree_size=size).first()
    if existing is not None:
        return existing
    if current_signing_key_retired():
        raise Conflict(
            "the audit signing key has been retired; install the new key file", code=AuditCode.AUDIT_KEY_RETIRED
        )
    root = merkle.root_hash(tree_size=size, get_node=StoredNodes()).hex()
    now = clock.now()
    signer = key_id(public_key())
    document = tree_head_document(tree_size=size, root_hash=root, timestamp=now, signer_key_id=signer)
    checkpoint = AuditCheckpoint(
        tree_size=size,
        root_hash=root,
        timestamp=now,
        key_id=signer,
        signature=sign_document(document),
        storage_name=checkpoint_storage_name(size),
    )
    _write_once(checkpoint.storage_name, json.dumps(checkpoint_file(checkpoint), sort_keys=True, indent=2).encode())
    with transaction.atomic():
        if AuditCheckpoint.objects.filter(tree_size=size).exists():
            return AuditCheckpoint.objects.get(tree_size=size)
        checkpoint.save()
    return checkpoint
