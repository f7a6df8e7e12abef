"""Mandate benchmark: the gate on a licence a representative signed under a mandate, against the
same gate on a licence the owner signed herself, in the same process on the same scratch database.

A mandate-signed licence costs the gate one more indexed query per check (the mandate's bytes, when
it ended, the owner's co-signature) and, on a document's first check, the mandate's verification;
the verdict is then cached like the licence's own signatures (licensing/mandate_gate.py). So the
figure to watch is the warm mandate-signed check against the warm owner-signed one (target: under
1.5x); the cold check (both caches cleared each time) is reported beside it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from licensing.documents import parse
from licensing.gate import license_authorize
from licensing.lifecycle import LicenseTerms, license_approve, license_request
from licensing.mandate_models import MandateKind
from licensing.mandates import MandateTerms, mandate_grant
from licensing.models import License
from licensing.scope import Scope
from tools.license_bench import _story, _time_us
from tools.scratch import scratch_database


@dataclass(frozen=True)
class MandateBenchResult:
    vendor: str
    iterations: int
    owner_us: float
    mandate_us: float
    mandate_cold_us: float

    @property
    def ratio(self) -> float:
        return self.mandate_us / self.owner_us

    def lines(self) -> list[str]:
        return [
            f"license_authorize under a mandate on {self.vendor}, {self.iterations} iterations (medians):",
            f"  owner-signed licence (check)     {self.owner_us:9.1f} us",
            f"  mandate-signed licence (check)   {self.mandate_us:9.1f} us   ratio {self.ratio:.2f}x owner-signed"
            f" (target < 1.5x: {'met' if self.ratio < 1.5 else 'NOT met'})",
            f"  mandate-signed (cold caches)     {self.mandate_cold_us:9.1f} us   ratio"
            f" {self.mandate_cold_us / self.owner_us:.2f}x",
        ]


def run_mandate_bench(*, iterations: int, report: Callable[[str], object]) -> MandateBenchResult:
    with scratch_database() as name:
        report(f"scratch database {name}")
        return mandate_timings(iterations=iterations)


def _agent_signed(owner_signed: License) -> License:
    """A second licence on the same likeness, for the same studio and work, approved by an agent."""
    from accounts.services import user_create

    owner_user = owner_signed.likeness.owner.user
    agent = user_create(username="bench-agent")
    mandate_grant(
        owner=owner_signed.likeness.owner,
        terms=MandateTerms(
            representative=agent, kind=MandateKind.AGENT, acts=["approve"], purposes=None, valid_until=None
        ),
        actor=owner_user,
    )
    scope = Scope.from_document(parse(owner_signed.document)["scope"])
    license = license_request(
        studio=owner_signed.licensee,
        likeness_id=owner_signed.likeness_id,
        terms=LicenseTerms(
            work_ids=[w["id"] for w in scope.to_document()["works"]],
            purposes=list(scope.purposes),
            media_types=list(scope.media_types),
            territories=list(scope.territories),
            valid_until=owner_signed.valid_until,
            max_renders=1_000_000,
            max_output_seconds=600,
        ),
        actor=owner_signed.requested_by,
    )
    return license_approve(license=license, actor=agent)


def mandate_timings(*, iterations: int) -> MandateBenchResult:
    from django.db import connection

    from licensing import mandate_gate
    from licensing.verification import cache_clear

    with transaction.atomic():
        owner_signed, sha256 = _story()
        agent_signed = _agent_signed(License.objects.select_related("likeness__owner__user").get(pk=owner_signed.pk))

    def check(license: License) -> None:
        decision = license_authorize(
            license_id=license.pk,
            studio=license.licensee_id,
            work_file_sha256=sha256,
            purpose="film",
            media_type="video",
            duration_seconds=42.0,
            territory="FR",
        )
        if not decision.allowed:
            raise RuntimeError(f"the benchmark licence was refused: {decision.reason}")

    def cold() -> None:
        cache_clear()
        with mandate_gate._lock:
            mandate_gate._cache.clear()
        check(agent_signed)

    for _ in range(min(200, iterations)):
        check(owner_signed)
        check(agent_signed)
    owner_times, mandate_times, cold_times = [], [], []
    for i in range(iterations):
        owner_times.append(_time_us(lambda: check(owner_signed)))
        mandate_times.append(_time_us(lambda: check(agent_signed)))
        if i % 4 == 0:
            cold_times.append(_time_us(cold))
    return MandateBenchResult(
        vendor=connection.vendor,
        iterations=iterations,
        owner_us=statistics.median(owner_times),
        mandate_us=statistics.median(mandate_times),
        mandate_cold_us=statistics.median(cold_times),
    )
