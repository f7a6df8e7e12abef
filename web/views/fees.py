"""The fee ledger as the likeness owner and the licensee studio see it: per licence and per month,
with totals over every row, a page of rows at a time, and every row as CSV."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from config.errors import Invalid
from config.pagination import PagePagination
from render.fees import format_minor, render_fee_totals, render_fees_csv_lines, render_fees_filtered
from web.pages import page
from web.refusals import refusal_sentence, refused_field

# The page shows as many rows as the API's pages hold.
FEES_PER_PAGE = PagePagination.page_size


def _filters(request: HttpRequest) -> tuple[str, str]:
    return request.GET.get("license", "").strip(), request.GET.get("month", "").strip()


@page
def fee_ledger(request: HttpRequest) -> HttpResponse:
    license_id, month = _filters(request)
    error, error_field = "", ""
    rows_page = None
    try:
        fees = render_fees_filtered(request.user, license_id=license_id, month=month)
        rows_page = Paginator(fees, FEES_PER_PAGE).get_page(request.GET.get("page"))
        rows = list(rows_page)
        totals = render_fee_totals(fees)  # over every row, not the page
    except Invalid as exc:  # said in the reader's words, beside the filter it concerns
        error, error_field, rows, totals = refusal_sentence(exc), refused_field(exc) or "", [], []
    for fee in rows:
        fee.amount = format_minor(fee.amount_minor, fee.currency)  # type: ignore[attr-defined]
    context = {
        "fees": rows,
        "page_obj": rows_page,
        "totals": totals,
        "license_id": license_id,
        "month": month,
        "error": error,
        "error_field": error_field,
    }
    return render(request, "web/fees.html", context, status=400 if error else 200)


@page
def fee_ledger_csv(request: HttpRequest) -> HttpResponse:
    license_id, month = _filters(request)
    try:
        fees = render_fees_filtered(request.user, license_id=license_id, month=month)
    except Invalid as exc:
        return HttpResponse(refusal_sentence(exc), status=400, content_type="text/plain; charset=utf-8")
    name = "-".join(part for part in ("fees", license_id[:8], month) if part)
    response = StreamingHttpResponse(render_fees_csv_lines(fees), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response  # type: ignore[return-value]  # streamed: every row, never held whole in memory
