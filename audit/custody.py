"""The one verifier of the audit log: the API, the admin review and `audit_verify` all call
`audit_log_verify` and report its verdict as is.

It reads every entry once and checks, in that one pass:
- the hash chain (codes from audit.chain: missing_entries, out_of_order, broken_link,
  hash_mismatch, unreadable_entry);
- every signed checkpoint, from the database and from storage outside it (checkpoint codes below):
  its signature under the key its `key_id` names, that key valid at its timestamp (audit.keys),
  and its root recomputed from the entries alone (the stored Merkle nodes are ignored: a database
  writer can rewrite those too). All checkpoints' roots come from prefixes of the same entries, so a
  checkpoint that verifies is consistent with every earlier one and with the current head.

Checkpoint codes: unknown_key, key_not_valid, bad_signature, entries_missing (the log is now shorter
than a signed head: its tail was cut), root_mismatch, checkpoint_fork (the database's copy differs
from the one kept outside), not_stored_outside (a checkpoint the database lists has no copy in
storage), out_of_order (a larger tree signed earlier than a smaller one).

What it cannot see: entries appended after the newest checkpoint (`unseen_entries`), which
AUDIT_CHECKPOINT_EVERY_ENTRIES keeps below that bound.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage

from audit import merkle
from audit.chain import ChainReport, EntryRecord, verify_chain
from audit.keys import AuditKey, audit_keys, parse_time
from audit.models import AuditCheckpoint
from audit.selectors import iter_entry_records
from audit.signing import tree_head_document, verify_document

CHAIN_CODES = ("missing_entries", "out_of_order", "broken_link", "hash_mismatch", "unreadable_entry")
CHECKPOINT_CODES = (
    "unknown_key",
    "key_not_valid",
    "bad_signature",
    "entries_missing",
    "root_mismatch",
    "checkpoint_fork",
    "not_stored_outside",
    "out_of_order",
)


class MerkleFrontier:
    """The RFC 6962 tree over a stream of leaves in O(log n) memory: the right edge's complete subtrees."""

    def __init__(self) -> None:
        self.size = 0
        self._edge: list[tuple[int, bytes]] = []  # (height, hash), largest first

    def push(self, data: bytes) -> None:
        height, digest = 0, merkle.leaf_hash(data)
        while self._edge and self._edge[-1][0] == height:
            digest = merkle.node_hash(self._edge.pop()[1], digest)
            height += 1
        self._edge.append((height, digest))
        self.size += 1

    def root(self) -> bytes:
        if not self._edge:
            return hashlib.sha256(b"").digest()  # RFC 6962: the empty tree
        digest = self._edge[-1][1]
        for _, left in reversed(self._edge[:-1]):
            digest = merkle.node_hash(left, digest)
        return digest


@dataclass(frozen=True)
class SignedHead:
    """One checkpoint as found, in the database, in storage, or both."""

    document: dict[str, Any]
    signature: str
    sources: tuple[str, ...]
    file: str | None

    @property
    def tree_size(self) -> int:
        return int(self.document["tree_size"])


@dataclass
class CheckpointsReport:
    ok: bool = True
    checked: int = 0
    latest_tree_size: int | None = None
    unseen_entries: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "latest_tree_size": self.latest_tree_size,
            "unseen_entries": self.unseen_entries,
            "problems": self.problems,
        }


@dataclass
class AuditVerdict:
    chain: ChainReport
    checkpoints: CheckpointsReport

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.checkpoints.ok

    @property
    def problem(self) -> str | None:
        if not self.chain.ok:
            return self.chain.problem
        return self.checkpoints.problems[0]["problem"] if self.checkpoints.problems else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.chain.as_dict(),
            "ok": self.ok,
            "problem": self.problem,
            "chain_ok": self.chain.ok,
            "checkpoints": self.checkpoints.as_dict(),
        }


def _stored_files() -> dict[int, tuple[str, dict[str, Any]]]:
    prefix = settings.AUDIT_CHECKPOINT_PREFIX
    try:
        _, names = default_storage.listdir(prefix)
    except FileNotFoundError:
        return {}
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for name in sorted(names):
        with default_storage.open(f"{prefix}/{name}") as handle:
            body = json.loads(handle.read())
        found[int(body["signed_tree_head"]["tree_size"])] = (name, body)
    return found


def collect_signed_heads() -> tuple[list[SignedHead], list[dict[str, Any]]]:
    """Every checkpoint in the database or in storage, by tree size, and the disagreements between them."""
    files = _stored_files()
    rows = {c.tree_size: c for c in AuditCheckpoint.objects.all()}
    heads: list[SignedHead] = []
    problems: list[dict[str, Any]] = []
    for size in sorted(set(files) | set(rows)):
        row = rows.get(size)
        stored = files.get(size)
        if stored is not None:
            name, body = stored
            head = SignedHead(body["signed_tree_head"], body["signature"], ("storage",), name)
            if row is not None:
                in_db = tree_head_document(
                    tree_size=row.tree_size, root_hash=row.root_hash, timestamp=row.timestamp, signer_key_id=row.key_id
                )
                if in_db != head.document or row.signature != head.signature:
                    problems.append(_problem(head, "checkpoint_fork", database_root=row.root_hash))
                else:
                    head = SignedHead(head.document, head.signature, ("database", "storage"), name)
            heads.append(head)
        elif row is not None:
            document = tree_head_document(
                tree_size=row.tree_size, root_hash=row.root_hash, timestamp=row.timestamp, signer_key_id=row.key_id
            )
            head = SignedHead(document, row.signature, ("database",), None)
            problems.append(_problem(head, "not_stored_outside"))
            heads.append(head)
    return heads, problems


def _problem(head: SignedHead, code: str, **details: Any) -> dict[str, Any]:
    return {
        "tree_size": head.tree_size,
        "key_id": head.document.get("key_id"),
        "file": head.file,
        "sources": list(head.sources),
        "problem": code,
        **details,
    }


def signature_problem(document: dict[str, Any], signature: str, keys: dict[str, AuditKey]) -> str | None:
    """None if `signature` is the signature of `document` by a trusted key valid at its timestamp."""
    key = keys.get(str(document.get("key_id")))
    if key is None:
        return "unknown_key"
    try:
        moment = parse_time(str(document["timestamp"]))
    except (KeyError, ValueError):
        return "bad_signature"
    if moment is None or not key.valid_at(moment):
        return "key_not_valid"
    if not verify_document(document, signature, key.public_key):
        return "bad_signature"
    return None


class _CanonicalOnce(EntryRecord):
    """An entry whose canonical bytes (the costly part: RFC 8785) are made once for the chain and the tree."""

    def canonical(self) -> bytes:
        cached: bytes | None = self.__dict__.get("_canonical")
        if cached is None:
            cached = super().canonical()
            object.__setattr__(self, "_canonical", cached)
        return cached


def _fed(
    records: Iterable[EntryRecord], tree: MerkleFrontier, sizes: set[int], roots: dict[int, str]
) -> Iterator[EntryRecord]:
    growing = True
    for plain in records:
        record = _CanonicalOnce(**vars(plain))
        if growing and record.seq == tree.size + 1:
            tree.push(record.canonical())
            if tree.size in sizes:
                roots[tree.size] = tree.root().hex()
        else:
            growing = False  # a gap: the tree stops here, like the chain
        yield record


def audit_log_verify() -> AuditVerdict:
    """Check the chain and every signed checkpoint against the entries, in one pass over them."""
    heads, problems = collect_signed_heads()
    keys = audit_keys()
    sizes = {head.tree_size for head in heads}
    roots: dict[int, str] = {}
    tree = MerkleFrontier()
    records = iter(iter_entry_records())
    chain = verify_chain(_fed(records, tree, sizes, roots))
    for _ in _fed(records, tree, sizes, roots):  # the rest, after a chain break
        pass
    report = CheckpointsReport(checked=len(heads))
    report.problems.extend(problems)
    previous: SignedHead | None = None
    for head in heads:
        signed = signature_problem(head.document, head.signature, keys)
        if signed is not None:
            report.problems.append(_problem(head, signed))
            continue
        if head.tree_size not in roots:
            report.problems.append(_problem(head, "entries_missing", entries_now=tree.size))
        elif roots[head.tree_size] != head.document["root_hash"]:
            report.problems.append(_problem(head, "root_mismatch", recomputed_root=roots[head.tree_size]))
        if previous is not None and str(previous.document["timestamp"]) > str(head.document["timestamp"]):
            report.problems.append(_problem(head, "out_of_order", earlier_tree_size=previous.tree_size))
        previous = head
    if heads:
        report.latest_tree_size = heads[-1].tree_size
        report.unseen_entries = max(0, chain.head_seq - heads[-1].tree_size)
    else:
        report.unseen_entries = chain.head_seq
    report.problems.sort(key=lambda problem: (problem["tree_size"], problem["problem"]))
    report.ok = not report.problems
    return AuditVerdict(chain=chain, checkpoints=report)
