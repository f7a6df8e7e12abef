"""The fee ledger: the per-render fee a licence's duties name, accrued once per completed job.

`render_fee_accrue` is called inside the transaction that completes the job (render/execution.py),
so a job is COMPLETED with its fee or not at all; a second call for the same job changes nothing.
The amount is read from the signed licence document, never from another column.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from config import clock
from config.errors import Invalid
from licensing.documents import parse
from licensing.scope import Scope
from render.codes import RenderCode
from render.models import RenderFee, RenderJob

# ISO 4217 minor units where they are not 2 (every other currency has cents).
_EXPONENTS = {
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV"], 0),
    **dict.fromkeys(["XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def minor_units(amount: str, currency: str) -> int:
    """`amount` (a decimal string with at most 2 decimals) in the currency's minor unit."""
    exponent = _EXPONENTS.get(currency, 2)
    return int((Decimal(amount) * (10**exponent)).to_integral_value())


def format_minor(amount_minor: int, currency: str) -> str:
    """An amount in minor units as a plain decimal string ("25.00", "300")."""
    exponent = _EXPONENTS.get(currency, 2)
    return f"{Decimal(amount_minor).scaleb(-exponent):.{exponent}f}"


def render_fee_accrue(job: RenderJob) -> RenderFee | None:
    """Accrue the fee `job`'s licence charges per render (None when it charges none). Idempotent."""
    if job.license is None:
        return None
    fee = Scope.from_document(parse(job.license.document)["scope"]).fee_per_render
    if fee is None:
        return None
    with transaction.atomic():
        accrual, _created = RenderFee.objects.get_or_create(
            job=job,
            defaults={
                "license": job.license,
                "amount_minor": minor_units(fee.amount, fee.currency),
                "currency": fee.currency,
                "accrued_at": clock.now(),
            },
        )
    return accrual


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The UTC start of `month` (YYYY-MM) and of the month after it; Invalid otherwise."""
    match = _MONTH.match(month)
    if match is None:
        raise Invalid("month must be written YYYY-MM", code=RenderCode.MONTH_INVALID, detail={"field": "month"})
    year, number = int(match.group(1)), int(match.group(2))
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=start.tzinfo)
    return start, end


def render_fees_visible_to(user: Any) -> QuerySet[RenderFee]:
    """Fees on licences of the user's own likenesses and of the studios she belongs to."""
    if not getattr(user, "is_authenticated", False):
        return RenderFee.objects.none()
    return (
        RenderFee.objects.filter(Q(license__likeness__owner__user=user) | Q(license__licensee__memberships__user=user))
        .select_related("job", "license", "license__licensee", "license__likeness")
        .distinct()
    )


def render_fees_filtered(user: Any, *, license_id: str = "", month: str = "") -> QuerySet[RenderFee]:
    fees = render_fees_visible_to(user)
    if license_id:
        try:
            fees = fees.filter(license_id=uuid.UUID(license_id))
        except ValueError:
            raise Invalid(
                "license must be a licence id", code=RenderCode.LICENSE_ID_INVALID, detail={"field": "license"}
            ) from None
    if month:
        start, end = month_bounds(month)
        fees = fees.filter(accrued_at__gte=start, accrued_at__lt=end)
    return fees


@dataclass(frozen=True)
class FeeTotal:
    currency: str
    renders: int
    amount_minor: int

    @property
    def amount(self) -> str:
        return format_minor(self.amount_minor, self.currency)


def render_fee_totals(fees: QuerySet[RenderFee]) -> list[FeeTotal]:
    """Totals per currency (a licence charges in one currency; a studio may hold several), over every
    row of `fees` however they are paged. Summed over the ids so that a fee reached along two joins
    (an owner who is also a member of the studio) counts once."""
    every = RenderFee.objects.filter(pk__in=fees.order_by().values("pk"))
    rows = every.order_by().values("currency").annotate(renders=Count("pk"), total=Sum("amount_minor"))
    return [
        FeeTotal(currency=row["currency"], renders=row["renders"], amount_minor=int(row["total"] or 0))
        for row in sorted(rows, key=lambda r: r["currency"])
    ]


CSV_COLUMNS = ("accrued_at", "license_id", "job_id", "studio", "likeness", "amount", "currency", "amount_minor")


def render_fee_row(fee: RenderFee) -> dict[str, Any]:
    return {
        "accrued_at": fee.accrued_at.isoformat().replace("+00:00", "Z"),
        "license_id": str(fee.license_id),
        "job_id": str(fee.job_id),
        "studio": fee.license.licensee.name,
        "likeness": fee.license.likeness.display_name,
        "amount": format_minor(fee.amount_minor, fee.currency),
        "currency": fee.currency,
        "amount_minor": fee.amount_minor,
    }


# Rows fetched from the database at a time while the CSV streams: memory stays flat however long the ledger.
CSV_CHUNK_ROWS = 500


class _Line:
    """A file-like sink that hands back the one line csv.writer just wrote."""

    def write(self, text: str) -> str:
        return text


def _csv_safe(row: dict[str, Any]) -> list[Any]:
    # Cells a spreadsheet would run as a formula are quoted off.
    return [f"'{v}" if isinstance(v, str) and v[:1] in "=+-@\t\r" else v for v in (row[c] for c in CSV_COLUMNS)]


def render_fees_csv_lines(fees: QuerySet[RenderFee]) -> Iterator[str]:
    """The ledger as CSV lines, oldest first: every row, read from the database in chunks."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield writer.writerow(CSV_COLUMNS)
    for fee in fees.order_by("accrued_at", "id").iterator(chunk_size=CSV_CHUNK_ROWS):
        yield writer.writerow(_csv_safe(render_fee_row(fee)))


def render_fees_csv(fees: QuerySet[RenderFee]) -> str:
    """The whole ledger as one CSV text (see render_fees_csv_lines to stream it)."""
    return "".join(render_fees_csv_lines(fees))
