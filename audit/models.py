"""The append-only audit log.

Rows are never updated or deleted: database triggers (see triggers.py) refuse it on PostgreSQL and
SQLite, and the hash chain (see chain.py) makes any edit made around the triggers detectable.
Writes go only through `audit.services.audit_record`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from audit.chain import EntryRecord


class AuditEntry(models.Model):
    seq = models.BigIntegerField(primary_key=True, help_text="Gapless position in the chain, from 1.")
    created_at = models.DateTimeField()
    # No database constraint: deleting a user must not be blocked by (or cascade into) the trail;
    # actor_label keeps who it was. No index of its own either: audit_actor_idx below is the one.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200)
    # Validated against AuditAction by audit_record; no `choices` here, so adding an action needs no migration.
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=100)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    # Unique through Meta.constraints rather than unique=True, which on PostgreSQL also builds a
    # varchar_pattern_ops index for LIKE queries nobody runs on hashes: one index less to write per
    # append, under the append lock.
    entry_hash = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_entry"
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
            models.Index(fields=["created_at"], name="audit_created_idx"),
            models.Index(fields=["actor"], name="audit_actor_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["entry_hash"], name="audit_entry_hash_unique")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def as_record(self) -> EntryRecord:
        return EntryRecord(
            seq=self.seq,
            time=self.created_at,
            actor_id=None if self.actor_id is None else str(self.actor_id),
            actor_label=self.actor_label,
            action=self.action,
            target_type=self.target_type,
            target_id=self.target_id,
            data=self.data,
            prev_hash=self.prev_hash,
            entry_hash=self.entry_hash,
        )


class AuditMerkleNode(models.Model):
    """A complete, aligned subtree of the Merkle tree over the entries: hash of leaves
    [index * 2**level, (index + 1) * 2**level), leaf n being entry seq n + 1. Never changes once written."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_merkle_node"
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="audit_merkle_node_unique")]

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class AuditCheckpoint(models.Model):
    """A signed tree head: the tree size and root hash at a moment, signed by the audit key.

    Each is also written once to storage outside the database, so a rewritten database can be
    caught against copies it cannot reach.
    """

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)
    storage_name = models.CharField(max_length=300)

    class Meta:
        db_table = "audit_checkpoint"
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"checkpoint at {self.tree_size}: {self.root_hash[:16]}…"


class Witness(models.Model):
    """A third party, registered by an admin, who keeps checkpoints and cosigns them (audit_witness)."""

    name = models.CharField(max_length=100, unique=True)
    public_key = models.CharField(max_length=64, help_text="Raw Ed25519 public key, base64.")
    key_id = models.CharField(max_length=16, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "audit_witness"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"


class CheckpointCosignature(models.Model):
    """A witness's Ed25519 signature over a checkpoint (audit.signing.cosignature_document)."""

    checkpoint = models.ForeignKey(AuditCheckpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="cosignatures")
    cosigned_at = models.CharField(max_length=32, help_text="The witness's own time, as it signed it.")
    signature = models.CharField(max_length=128)
    received_at = models.DateTimeField()

    class Meta:
        db_table = "audit_checkpoint_cosignature"
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="audit_cosignature_once_per_witness")
        ]

    def __str__(self) -> str:
        return f"{self.witness_id} cosigned checkpoint {self.checkpoint_id}"
