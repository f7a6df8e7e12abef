"""A proof costs the same few SQL queries whatever the size of the log: its nodes come in one batch.

Personas: an auditor who asks for proofs; the platform itself, which writes the trail.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.actions import AuditAction
from audit.checkpoints import audit_tree_extend, consistency_proof_with_roots, inclusion_proof_with_root, root_at
from audit.services import AuditTarget, audit_record
from tests.factories import Persona, make_auditor

pytestmark = pytest.mark.django_db

ENTRIES = 300  # a per-node fetch would cost about 2 * log2(300), some 17 queries, per proof


def queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


@pytest.fixture
def auditor() -> Persona:
    persona = make_auditor()
    for i in range(ENTRIES):
        audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("proof", str(i)))
    audit_tree_extend()
    return persona


def test_a_service_proof_reads_its_nodes_in_one_query_at_every_size(auditor):
    size = audit_tree_extend()
    for tree_size in (2, 3, 64, 65, size // 2 + 1, size):
        assert queries(lambda n=tree_size: inclusion_proof_with_root(seq=1, tree_size=n)) == 1
        assert queries(lambda n=tree_size: inclusion_proof_with_root(seq=n, tree_size=n)) == 1
        assert queries(lambda n=tree_size: consistency_proof_with_roots(first=1, second=n)) == 1
        assert queries(lambda n=tree_size: consistency_proof_with_roots(first=n - 1, second=n)) == 1
        assert queries(lambda n=tree_size: root_at(n)) == 1


def test_a_proof_past_the_indexed_tree_extends_it_first_then_costs_one_query_again(auditor):
    size = audit_tree_extend()
    audit_record(actor=None, action=AuditAction.BENCH_APPENDED, target=AuditTarget("proof", "late"))
    # Nodes (one missing), then extending the tree by the one entry, then the nodes again.
    assert queries(lambda: inclusion_proof_with_root(seq=size + 1, tree_size=size + 1)) <= 10
    assert queries(lambda: inclusion_proof_with_root(seq=size + 1, tree_size=size + 1)) == 1


def test_the_api_answers_a_proof_with_as_many_queries_at_any_size(auditor, django_assert_max_num_queries):
    size = audit_tree_extend()
    client = auditor.client()
    counts = set()
    for tree_size in (2, 65, size):
        for seq in (1, tree_size):
            with django_assert_max_num_queries(6):
                response = client.get(f"/api/v1/audit/entries/{seq}/proof", {"tree_size": tree_size})
            assert response.status_code == 200
            counts.add(
                queries(lambda s=seq, n=tree_size: client.get(f"/api/v1/audit/entries/{s}/proof", {"tree_size": n}))
            )
            with django_assert_max_num_queries(5):
                response = client.get("/api/v1/audit/consistency", {"first": seq, "second": size})
            assert response.status_code == 200
    assert len(counts) == 1, counts
