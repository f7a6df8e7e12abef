"""The mandate benchmark times the gate on an agent-signed licence beside an owner-signed one, in a
run short enough for the suite.

(`python manage.py bench license_authorize_mandate [--smoke]` runs the same on a scratch database.)
"""

from __future__ import annotations

import pytest

from licensing.documents import parse
from licensing.models import License
from tools.mandate_bench import mandate_timings

pytestmark = pytest.mark.django_db


def test_the_benchmark_compares_an_agent_signed_licence_with_an_owner_signed_one():
    result = mandate_timings(iterations=20)
    assert result.owner_us > 0 and result.mandate_us > 0 and result.mandate_cold_us > 0
    assert result.ratio == pytest.approx(result.mandate_us / result.owner_us)
    assert "owner-signed" in result.lines()[1] and "ratio" in result.lines()[2]
    # It measured what it says: one licence the owner signed, one an agent signed under a mandate.
    signers = sorted("signer" in parse(license.document) for license in License.objects.filter(status="active"))
    assert signers == [False, True]
