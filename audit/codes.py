"""The audit app's stable error codes (checkpoints, proofs, witnesses). Add new ones; never rename."""

from __future__ import annotations

from django.db import models


class AuditCode(models.TextChoices):
    AUDIT_CHAIN_BROKEN = "audit_chain_broken", "The audit log has a gap; run audit_verify"
    AUDIT_LOG_EMPTY = "audit_log_empty", "The audit log is empty; there is nothing to checkpoint"
    AUDIT_KEY_RETIRED = "audit_key_retired", "The audit signing key has been retired; install the new key file"
    CHECKPOINT_FORK = "checkpoint_fork", "A different checkpoint is already stored for this tree size"
    NO_CHECKPOINT = "no_checkpoint", "No checkpoint has been made yet"
    UNKNOWN_CHECKPOINT = "unknown_checkpoint", "There is no checkpoint at this tree size"
    BAD_TREE_SIZE = "bad_tree_size", "The tree size or entry number is out of range"
    BAD_WITNESS_KEY = "bad_witness_key", "A witness key is a base64 raw Ed25519 public key of 32 bytes"
    WITNESS_EXISTS = "witness_exists", "A witness with this key or name is already registered"
    UNKNOWN_WITNESS = "unknown_witness", "No active witness is registered with this key"
    BAD_COSIGNATURE = "bad_cosignature", "The cosignature does not verify under the witness's key"
