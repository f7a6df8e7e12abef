"""Licence-gate benchmark: `license_authorize` latency against one bare Ed25519 verify, same process.

It runs on a scratch database of the configured server (see tools.scratch.scratch_database), with
one licence built through the real services. Per iteration it times one bare verify of the
licence's owner signature and one gate check, interleaved so both see the same machine state, and
reports medians. The gate verifies two signatures on a document's first check and caches the
verdict per exact document version; it reads the licence's status (and the work's rights) from the
database on every check. So the figure to watch is the warm check against one bare verify (target:
under 3x); the cold check (cache cleared each time) and the reserving check (which also writes the
use and its audit entry, and commits) are reported beside it. The reserve is also timed, interleaved
in the same run, with each statement sent in a round trip of its own, as it was before its
statements were pipelined and the COMMIT carried the audit's flush wait.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest import mock

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit import services as audit_services
from config import clock
from licensing import gate, selectors
from licensing.documents import b64url_decode, load_public
from licensing.gate import license_authorize
from licensing.lifecycle import LicenseTerms, license_approve, license_request
from licensing.models import License, OrganisationKind, OwnerKey, RightKind, WorkKind
from licensing.parties import organisation_create
from licensing.verification import cache_clear
from licensing.works import WorkFileSpec, WorkRightSpec, adaptation_grant_create, work_register
from tools.scratch import scratch_database


@dataclass(frozen=True)
class LicenseBenchResult:
    vendor: str
    iterations: int
    bare_verify_us: float
    warm_us: float
    cold_us: float
    reserve_us: float
    reserve_one_trip_per_statement_us: float = 0.0
    check_statements: int = 0
    reserve_statements: int = 0

    @property
    def ratio(self) -> float:
        return self.warm_us / self.bare_verify_us

    def lines(self) -> list[str]:
        cold, reserve = self.cold_us / self.bare_verify_us, self.reserve_us / self.bare_verify_us
        return [
            f"license_authorize on {self.vendor}, {self.iterations} iterations (medians):",
            f"  bare Ed25519 verify            {self.bare_verify_us:9.1f} us",
            f"  license_authorize (check)      {self.warm_us:9.1f} us   ratio {self.ratio:.2f}x bare verify"
            f" (target < 3x: {'met' if self.ratio < 3 else 'NOT met'})",
            f"  license_authorize (cold cache) {self.cold_us:9.1f} us   ratio {cold:.2f}x",
            f"  license_authorize (reserve)    {self.reserve_us:9.1f} us   ratio {reserve:.2f}x"
            f" (target < 2 ms: {'met' if self.reserve_us < 2000 else 'NOT met'};"
            " locks the row, writes the use and its audit entry, commits)",
            f"  license_authorize (reserve, a round trip per statement as before)"
            f" {self.reserve_one_trip_per_statement_us:9.1f} us   now / before"
            f" {self.reserve_us / self.reserve_one_trip_per_statement_us:.2f}x",
            f"  SQL statements: {self.check_statements} per check, {self.reserve_statements} per reserve"
            " (BEGIN, COMMIT and the audit's durability wait included)",
        ]


def _story() -> tuple[License, str]:
    from accounts.services import user_create
    from likeness.liveness_samples import mark_person_verified_for_fixtures
    from likeness.models import Likeness, LikenessStatus
    from likeness.services import likeness_create, owner_register

    now = clock.now()
    actor = user_create(username="bench-actor")
    owner = owner_register(user=actor, display_name="Bench Actor", actor=actor)
    likeness = likeness_create(owner=owner, display_name="Bench face", actor=actor)
    Likeness.objects.filter(pk=likeness.pk).update(status=LikenessStatus.ENROLLED)
    mark_person_verified_for_fixtures(likeness)
    holder_user, studio_user = user_create(username="bench-holder"), user_create(username="bench-studio")
    holder = organisation_create(
        name="Bench Films", kind=OrganisationKind.RIGHTS_HOLDER, creator=holder_user, actor=holder_user
    )
    studio = organisation_create(name="Bench Pictures", kind=OrganisationKind.STUDIO, creator=studio_user, actor=None)
    sha256 = hashlib.sha256(b"bench-reel").hexdigest()
    work = work_register(
        holder=holder,
        title="Bench Reel",
        kind=WorkKind.FILM,
        identifiers={},
        files=[WorkFileSpec(sha256=sha256, media_type="video")],
        rights=[WorkRightSpec(right=RightKind.ADAPT, territories=["WORLD"], valid_from=now - timedelta(days=1))],
        actor=holder_user,
    )
    adaptation_grant_create(
        work=work,
        studio=studio,
        territories=["WORLD"],
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
        actor=holder_user,
    )
    license = license_request(
        studio=studio,
        likeness_id=likeness.pk,
        terms=LicenseTerms(
            work_ids=[work.pk],
            purposes=["film", "series"],
            media_types=["image", "video"],
            territories=["FR", "DE", "GB", "US"],
            valid_until=now + timedelta(days=30),
            max_renders=1_000_000,
            max_output_seconds=600,
        ),
        actor=studio_user,
    )
    return license_approve(license=license, actor=actor), sha256


def _not_pipelined(*args: Any, **kwargs: Any) -> Any:
    return nullcontext()


def _carry_nothing(sql: str, *args: Any, **kwargs: Any) -> None:
    return None


def _cursor_bound_on_the_client(*args: Any, **kwargs: Any) -> Any:
    return connection.cursor()


@contextmanager
def one_round_trip_per_statement() -> Iterator[None]:
    """The reserve as it was before: no pipelines, nothing carried by the COMMIT (the audit's flush wait
    goes after it alone), the audit staging bound on the client and planned each time."""
    with ExitStack() as patches:
        for module in (gate, selectors):
            patches.enter_context(mock.patch.object(module, "pipelined", _not_pipelined))
        patches.enter_context(mock.patch.object(audit_services, "carry_with_commit", _carry_nothing))
        patches.enter_context(mock.patch.object(audit_services, "prepared_cursor", _cursor_bound_on_the_client))
        yield


def _time_us(call: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - started) / 1000


def run_license_authorize_bench(*, iterations: int, report: Callable[[str], object]) -> LicenseBenchResult:
    with scratch_database() as name:
        report(f"scratch database {name}")
        return license_authorize_timings(iterations=iterations)


def license_authorize_timings(*, iterations: int) -> LicenseBenchResult:
    """The measurement itself, on the current database (a scratch one, or a test's)."""
    with transaction.atomic():
        license, sha256 = _story()
    public = load_public(bytes(OwnerKey.objects.get(kid=license.owner_key_id).public_key))
    signature, data = b64url_decode(license.owner_signature), license.document.encode()

    def bare() -> None:
        public.verify(signature, data)

    def check(reserve: bool = False) -> None:
        decision = license_authorize(
            license_id=license.pk,
            studio=license.licensee_id,
            work_file_sha256=sha256,
            purpose="film",
            media_type="video",
            duration_seconds=42.0,
            territory="FR",
            reserve=reserve,
        )
        if not decision.allowed:
            raise RuntimeError(f"the benchmark licence was refused: {decision.reason}")

    def cold() -> None:
        cache_clear()
        check()

    for _ in range(min(200, iterations)):  # warm up connections, caches and the interpreter
        bare()
        check()
    bare_times, warm_times, cold_times, reserve_times, before_times = [], [], [], [], []
    for i in range(iterations):
        bare_times.append(_time_us(bare))
        warm_times.append(_time_us(check))
        if i % 4 == 0:  # one reserve in four checks, as before the comparison was added: each writes a
            # new version of the licence row that the next checks walk past until the page is pruned
            cold_times.append(_time_us(cold))
            if i % 8 == 0:
                reserve_times.append(_time_us(lambda: check(reserve=True)))
            else:
                with one_round_trip_per_statement():
                    before_times.append(_time_us(lambda: check(reserve=True)))
    with CaptureQueriesContext(connection) as checked:
        check()
    with CaptureQueriesContext(connection) as reserved:
        check(reserve=True)
    return LicenseBenchResult(
        check_statements=len(checked.captured_queries),
        reserve_statements=len(reserved.captured_queries),
        vendor=connection.vendor,
        iterations=iterations,
        bare_verify_us=statistics.median(bare_times),
        warm_us=statistics.median(warm_times),
        cold_us=statistics.median(cold_times),
        reserve_us=statistics.median(reserve_times),
        reserve_one_trip_per_statement_us=statistics.median(before_times),
    )
