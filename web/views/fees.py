"""The fee ledger as the likeness owner and the licensee studio see it: per licence and per month,
with totals, and the same rows as CSV."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.errors import Invalid
from render.fees import format_minor, render_fee_totals, render_fees_csv, render_fees_filtered
from web.pages import page
from web.refusals import refusal_sentence


def _filters(request: HttpRequest) -> tuple[str, str]:
    return request.GET.get("license", "").strip(), request.GET.get("month", "").strip()


@page
def fee_ledger(request: HttpRequest) -> HttpResponse:
    license_id, month = _filters(request)
    error = ""
    try:
        fees = render_fees_filtered(request.user, license_id=license_id, month=month)
        rows = list(fees[:500])
        totals = render_fee_totals(fees)
    except Invalid as exc:
        error, rows, totals = refusal_sentence(exc), [], []
    for fee in rows:
        fee.amount = format_minor(fee.amount_minor, fee.currency)  # type: ignore[attr-defined]
    context = {"fees": rows, "totals": totals, "license_id": license_id, "month": month, "error": error}
    return render(request, "web/fees.html", context, status=400 if error else 200)


@page
def fee_ledger_csv(request: HttpRequest) -> HttpResponse:
    license_id, month = _filters(request)
    try:
        body = render_fees_csv(render_fees_filtered(request.user, license_id=license_id, month=month))
    except Invalid as exc:
        return HttpResponse(refusal_sentence(exc), status=400, content_type="text/plain; charset=utf-8")
    name = "-".join(part for part in ("fees", license_id[:8], month) if part)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
