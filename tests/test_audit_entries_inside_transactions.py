"""A service writes its audit entry inside its own transaction, or the entry is refused (tests, DEBUG).

A write and its audit entry must commit together: an entry written in autocommit survives the
rollback of the write it describes. audit_record checks its caller holds an atomic block of its own
(the test case's wrapping transaction does not count), for every product module.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from audit.models import AuditEntry
from audit.services import AuditOutsideTransaction, audit_record
from tests.factories import make_persona

pytestmark = pytest.mark.django_db

# A service of a product app, as it would be written: once forgetting its transaction, once not.
SERVICE_SOURCE = """
def rename_without_transaction(user, actor):
    user.first_name = "Renamed"
    user.save()
    audit_record(actor=actor, action="user.created", target=user)


def rename_in_transaction(user, actor):
    with transaction.atomic():
        user.first_name = "Renamed"
        user.save()
        audit_record(actor=actor, action="user.created", target=user)
"""


def _service_module(name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": name, "audit_record": audit_record, "transaction": transaction}
    exec(compile(SERVICE_SOURCE, f"{name.replace('.', '/')}.py", "exec"), namespace)
    return namespace


def test_a_service_that_audits_outside_its_transaction_is_refused_and_writes_no_entry() -> None:
    studio_manager = make_persona("sam").user
    service = _service_module("licensing.rogue_service")
    before = AuditEntry.objects.count()
    with pytest.raises(AuditOutsideTransaction, match=r"licensing\.rogue_service"):
        service["rename_without_transaction"](studio_manager, studio_manager)
    assert AuditEntry.objects.count() == before


def test_a_service_that_audits_inside_its_transaction_writes_its_entry() -> None:
    studio_manager = make_persona("sam").user
    service = _service_module("licensing.careful_service")
    before = AuditEntry.objects.count()
    service["rename_in_transaction"](studio_manager, studio_manager)
    assert AuditEntry.objects.count() == before + 1


def test_tests_and_tools_may_append_on_their_own() -> None:
    auditor = make_persona("audrey").user
    harness = _service_module("tools.audit_bench_like")
    harness["rename_without_transaction"](auditor, auditor)
    assert AuditEntry.objects.filter(target_id=str(auditor.pk)).exists()


def test_the_check_is_off_when_the_setting_is(settings: Any) -> None:
    settings.AUDIT_REQUIRE_TRANSACTION = False
    actor = make_persona("ada").user
    _service_module("likeness.rogue_service")["rename_without_transaction"](actor, actor)
    assert AuditEntry.objects.filter(target_id=str(actor.pk)).exists()
