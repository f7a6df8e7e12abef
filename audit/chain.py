"""The hash chain: how an entry is serialised, hashed and verified. Pure; no database.

An entry's canonical bytes are the RFC 8785 (JCS) serialisation of its fields. Its hash is
SHA-256(previous entry's hash as 32 raw bytes || canonical bytes); the first entry's previous hash
is 32 zero bytes. Anyone can re-derive every hash with a JCS library and SHA-256, so the format is
written down here and in the README, and must never change for entries already written.

A chain verified alone proves that no entry was edited, removed from the middle or reordered. It
cannot show that entries were cut off the end, or that the whole chain was recomputed by someone
with write access: signed checkpoints kept outside the database are what catch those.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config import jcs

GENESIS_HASH = "0" * 64
FORMAT_VERSION = 1


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise_data(data: dict[str, Any]) -> dict[str, Any]:
    """Return `data` as it will read back from the database, or raise ValueError.

    Round-tripping through JSON first means the hash is computed over exactly what is stored;
    JCS then rejects what it cannot serialise canonically (NaN, integers beyond 2**53).
    """
    if not isinstance(data, dict):
        raise ValueError("audit data must be a JSON object")
    try:
        plain = json.loads(json.dumps(data, allow_nan=False))
        jcs.dumps(plain)  # refuses what JCS cannot represent, before anything is written
    except (TypeError, ValueError, jcs.CanonicalizationError) as exc:
        raise ValueError(f"audit data is not canonical JSON: {exc}") from None
    if not isinstance(plain, dict):
        raise ValueError("audit data must be a JSON object")
    return plain


def _document(
    *,
    seq: int,
    time: datetime,
    actor_id: str | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "v": FORMAT_VERSION,
        "seq": seq,
        "time": format_time(time),
        "actor": {"id": actor_id, "label": actor_label},
        "action": action,
        "target": {"type": target_type, "id": target_id},
        "data": data,
    }


def canonical_entry(
    *,
    seq: int,
    time: datetime,
    actor_id: str | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    data: dict[str, Any],
) -> bytes:
    return jcs.dumps(
        _document(
            seq=seq,
            time=time,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            target_type=target_type,
            target_id=target_id,
            data=data,
        )
    )


_SEQ_SLOT = ',"seq":0,'


def canonical_entry_around_seq(
    *,
    time: datetime,
    actor_id: str | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    data: dict[str, Any],
) -> tuple[str, str]:
    """The canonical entry split where its seq goes: `head + str(seq) + tail` is `canonical_entry`.

    This lets the expensive canonicalisation happen before the append lock is taken, and lets the
    database fill in the seq inside the lock. JCS orders keys, so the top-level "seq" comes after
    "data" and before "target", "time" and "v"; only those (whose strings escape every quote) follow
    it, so the last `,"seq":0,` in the text is the top-level one even if `data` holds a "seq" key.
    """
    text = jcs.dumps(
        _document(
            seq=0,
            time=time,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            target_type=target_type,
            target_id=target_id,
            data=data,
        )
    ).decode("utf-8")
    head, slot, tail = text.rpartition(_SEQ_SLOT)
    if not slot:
        raise ValueError("canonical entry has no seq slot")
    return head + ',"seq":', "," + tail


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()


@dataclass(frozen=True)
class EntryRecord:
    seq: int
    time: datetime
    actor_id: str | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    data: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def canonical(self) -> bytes:
        return canonical_entry(
            seq=self.seq,
            time=self.time,
            actor_id=self.actor_id,
            actor_label=self.actor_label,
            action=self.action,
            target_type=self.target_type,
            target_id=self.target_id,
            data=self.data,
        )


@dataclass
class ChainReport:
    ok: bool
    entries_checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    first_bad_seq: int | None = None
    problem: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_checked": self.entries_checked,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "details": self.details,
        }


def verify_chain(records: Iterable[EntryRecord]) -> ChainReport:
    """Walk entries in ascending seq order and stop at the first that breaks the chain."""
    report = ChainReport(ok=True)
    for record in records:
        expected_seq = report.head_seq + 1
        problem, details = _first_problem(record, expected_seq, report.head_hash)
        if problem is not None:
            report.ok = False
            report.problem = problem
            report.details = details
            report.first_bad_seq = expected_seq if problem == "missing_entries" else record.seq
            return report
        report.head_seq = record.seq
        report.head_hash = record.entry_hash
        report.entries_checked += 1
    return report


def _first_problem(record: EntryRecord, expected_seq: int, prev_hash: str) -> tuple[str | None, dict[str, Any]]:
    if record.seq != expected_seq:
        problem = "missing_entries" if record.seq > expected_seq else "out_of_order"
        return problem, {"expected_seq": expected_seq, "found_seq": record.seq}
    if record.prev_hash != prev_hash:
        return "broken_link", {"expected_prev_hash": prev_hash, "stored_prev_hash": record.prev_hash}
    try:
        recomputed = chain_hash(prev_hash, record.canonical())
    except (ValueError, jcs.CanonicalizationError) as exc:
        return "unreadable_entry", {"reason": str(exc)}
    if recomputed != record.entry_hash:
        return "hash_mismatch", {"recomputed_hash": recomputed, "stored_hash": record.entry_hash}
    return None, {}
