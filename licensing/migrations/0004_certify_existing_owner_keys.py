"""Backfill: every owner key registered before certification gets its signed registration record.

Only keys whose creation is on the audit trail (an `owner_key.created` entry naming the kid) are
certified: a row somebody inserted by hand has no such entry and stays uncertified, so the gate
refuses it (`key_not_certified`). The platform key is loaded only when a key needs certifying, so
a fresh database migrates without key files.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def certify_existing(apps: Any, schema_editor: Any) -> None:
    owner_key = apps.get_model("licensing", "OwnerKey")
    audit_entry = apps.get_model("audit", "AuditEntry")
    pending = list(owner_key.objects.filter(certificate=""))
    if not pending:
        return
    on_record = {
        str((data or {}).get("kid"))
        for data in audit_entry.objects.filter(action="owner_key.created").values_list("data", flat=True)
    }
    from licensing.signing_keys import owner_key_certificate

    for key in pending:
        if key.kid not in on_record:
            continue
        key.certificate, key.certificate_signature = owner_key_certificate(
            kid=key.kid,
            owner_id=str(key.owner_id),
            public_key=bytes(key.public_key),
            custody=key.custody,
            registered_at=key.created_at,
        )
        key.save(update_fields=["certificate", "certificate_signature"])


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0003_owner_key_certificates"),
        ("audit", "0007_witnesses"),
    ]

    operations = [migrations.RunPython(certify_existing, migrations.RunPython.noop)]
