"""The licence-gate benchmark measures what it claims, in a run short enough for the suite.

(`python manage.py bench license_authorize [--smoke]` runs the same measurement on a scratch database.)
"""

from __future__ import annotations

import pytest

from licensing.models import License
from tools.license_bench import license_authorize_timings

pytestmark = pytest.mark.django_db


def test_the_benchmark_times_the_gate_against_a_bare_verify_in_the_same_run():
    result = license_authorize_timings(iterations=20)
    assert result.bare_verify_us > 0 and result.warm_us > 0 and result.cold_us > 0 and result.reserve_us > 0
    assert result.ratio == pytest.approx(result.warm_us / result.bare_verify_us)
    lines = result.lines()
    assert "bare Ed25519 verify" in lines[1] and "ratio" in lines[2]
    # The reserving checks really took uses (one in four iterations, every other one timed the way it
    # was before, and the one whose statements were counted), and the plain checks none.
    assert License.objects.get().renders_used == 6
    assert result.reserve_one_trip_per_statement_us > 0 and "as before" in lines[5] and "now / before" in lines[5]
    assert result.check_statements == 1, "the gate reads everything it needs in one statement"
    assert result.reserve_statements > result.check_statements
    assert "1 per check" in lines[6]
