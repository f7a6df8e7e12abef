"""The render quota: each render the gate passes takes one use, atomically; the last use exhausts it.

Personas: Ada licensed her likeness to a studio for a few renders; the studio's render workers
call the gate with `reserve=True`, several at once.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from audit.models import AuditEntry
from licensing.gate import license_release_use
from licensing.models import License, LicenseStatus
from licensing.refusals import RefusalReason
from tests.factories import ask_the_gate, make_licensed_story, reserve_a_render


@pytest.mark.django_db
def test_each_passed_render_takes_one_use_and_the_last_exhausts_the_licence(clock):
    story = make_licensed_story(max_renders=2)
    assert [reserve_a_render(story).use_number, reserve_a_render(story).use_number] == [1, 2]
    license = License.objects.get(pk=story.license.pk)
    assert (license.status, license.renders_used) == (LicenseStatus.EXHAUSTED, 2)
    assert reserve_a_render(story).reason == RefusalReason.LICENSE_EXHAUSTED
    actions = list(AuditEntry.objects.filter(target_id=str(license.pk)).values_list("action", flat=True))
    # The last use exhausts the licence in the same UPDATE that counts it, so "exhausted" is written first.
    assert actions.count("license.use_reserved") == 2 and actions[-2:] == ["license.exhausted", "license.use_reserved"]


@pytest.mark.django_db
def test_a_refused_render_takes_no_use(clock):
    story = make_licensed_story(max_renders=2)
    refused = ask_the_gate(story, reserve=True, purpose="advertising")
    assert refused.reason == RefusalReason.PURPOSE_NOT_PERMITTED
    assert License.objects.get(pk=story.license.pk).renders_used == 0


@pytest.mark.django_db
def test_a_check_without_reserving_takes_no_use(clock):
    story = make_licensed_story(max_renders=1)
    for _ in range(3):
        assert ask_the_gate(story, reserve=False).allowed
    assert License.objects.get(pk=story.license.pk).renders_used == 0


@pytest.mark.django_db
def test_a_use_released_by_a_failed_render_reopens_an_exhausted_licence(clock):
    story = make_licensed_story(max_renders=1)
    assert reserve_a_render(story).allowed
    license = license_release_use(license_id=story.license.pk)
    assert (license.status, license.renders_used) == (LicenseStatus.ACTIVE, 0)
    assert reserve_a_render(story).use_number == 1


def test_concurrent_renders_never_overrun_the_quota(committed_db):
    story = make_licensed_story(max_renders=3)
    workers = 8
    barrier = threading.Barrier(workers)
    results: list[object] = []
    lock = threading.Lock()

    def render() -> None:
        try:
            License.objects.exists()  # connect before the race starts
            barrier.wait()
            decision = reserve_a_render(story)
            with lock:
                results.append(decision.use_number if decision.allowed else decision.reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=render) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r for r in results if isinstance(r, int)) == [1, 2, 3]
    assert [r for r in results if not isinstance(r, int)] == [RefusalReason.LICENSE_EXHAUSTED] * (workers - 3)
    license = License.objects.get(pk=story.license.pk)
    assert (license.status, license.renders_used) == (LicenseStatus.EXHAUSTED, 3)
    assert connection.vendor in {"sqlite", "postgresql"}
