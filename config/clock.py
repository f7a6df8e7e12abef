"""The platform's clock. Code that makes time-based decisions (licence validity, expiry, audit
times) asks `clock.now()` instead of calling timezone.now() directly, so tests can move time.

Tests use the `clock` fixture (tests/conftest.py): `clock.set(moment)` and `clock.advance(delta)`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

_fixed: datetime | None = None


def now() -> datetime:
    return _fixed if _fixed is not None else timezone.now()


def freeze(moment: datetime | None) -> None:
    """Stop time at `moment` (aware datetime), or let it run again with None. For tests only."""
    global _fixed  # noqa: PLW0603 - one process-wide clock is the point of this module
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("the clock needs an aware datetime")
    _fixed = moment


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward (freezing it at the current time first). For tests only."""
    freeze(now() + delta)
    assert _fixed is not None
    return _fixed
