from __future__ import annotations

from typing import Any

from rest_framework import serializers

from audit.actions import AuditAction
from audit.models import AuditEntry


class AuditEntryOut(serializers.ModelSerializer[AuditEntry]):
    actor_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "created_at",
            "actor_id",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "data",
            "prev_hash",
            "entry_hash",
        ]
        read_only_fields = fields


class AuditEntryFilterIn(serializers.Serializer[None]):
    actor_id = serializers.IntegerField(required=False, min_value=1)
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    target_type = serializers.CharField(required=False, max_length=100)
    target_id = serializers.CharField(required=False, max_length=100)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class ChainReportOut(serializers.Serializer[dict[str, Any]]):
    ok = serializers.BooleanField()
    entries_checked = serializers.IntegerField()
    head_seq = serializers.IntegerField()
    head_hash = serializers.CharField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField(allow_null=True)
    details = serializers.DictField()


class CheckpointOut(serializers.Serializer[dict[str, Any]]):
    signed_tree_head = serializers.DictField()
    signature = serializers.CharField()
    algorithm = serializers.CharField()
    public_key = serializers.CharField(allow_null=True, help_text="The key its key_id names; null if not trusted.")


class InclusionProofIn(serializers.Serializer[None]):
    tree_size = serializers.IntegerField(min_value=1)


class InclusionProofOut(serializers.Serializer[dict[str, Any]]):
    seq = serializers.IntegerField()
    leaf_index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    root_hash = serializers.CharField()
    leaf_hash = serializers.CharField()
    audit_path = serializers.ListField(child=serializers.CharField())
    entry_canonical = serializers.CharField(help_text="The leaf bytes: the entry's RFC 8785 JSON.")


class ConsistencyProofIn(serializers.Serializer[None]):
    first = serializers.IntegerField(min_value=1)
    second = serializers.IntegerField(min_value=1)


class ConsistencyProofOut(serializers.Serializer[dict[str, Any]]):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    first_root_hash = serializers.CharField()
    second_root_hash = serializers.CharField()
    consistency_path = serializers.ListField(child=serializers.CharField())


class EvidenceIn(serializers.Serializer[None]):
    target_type = serializers.CharField(max_length=100)
    target_id = serializers.CharField(max_length=100)


class CheckpointsVerdictOut(serializers.Serializer[dict[str, Any]]):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField()
    latest_tree_size = serializers.IntegerField(allow_null=True)
    unseen_entries = serializers.IntegerField(help_text="Entries after the newest checkpoint: not yet covered.")
    problems = serializers.ListField(child=serializers.DictField())


class AuditVerdictOut(ChainReportOut):
    """audit.custody.audit_log_verify: the chain's fields, then the checkpoints'. `problem` is the first of either."""

    chain_ok = serializers.BooleanField()
    checkpoints = CheckpointsVerdictOut()


class CosignatureOut(serializers.Serializer[dict[str, Any]]):
    witness = serializers.CharField()
    witness_key_id = serializers.CharField()
    witness_public_key = serializers.CharField()
    cosigned_at = serializers.CharField()
    signature = serializers.CharField()


class PublishedCheckpointOut(CheckpointOut):
    cosigned_by = serializers.IntegerField()
    cosignatures = CosignatureOut(many=True)


class CosignatureIn(serializers.Serializer[None]):
    witness_key_id = serializers.RegexField(r"^[0-9a-f]{16}$")
    cosigned_at = serializers.RegexField(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
    signature = serializers.CharField(max_length=128)
