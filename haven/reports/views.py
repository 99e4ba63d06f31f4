"""The statistics page (coordinators), downloads of every table, and the public summary."""

from __future__ import annotations

import csv
import json
from typing import cast

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases.public import region_choices
from haven.core.http import HavenRequest
from haven.lib.charts import bar_chart, column_chart
from haven.reports import figures


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.ChoiceField(label=gettext_lazy("Region of origin"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Per form: sorted in the request's language.
        cast(forms.ChoiceField, self.fields["region"]).choices = [
            ("", _("All")),
            *region_choices(),
        ]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end is before the start."))
        return data

    def period(self) -> figures.Period:
        if not self.is_valid():
            return figures.Period()
        d = self.cleaned_data
        return figures.Period(d.get("start"), d.get("end"), d.get("region") or "")


def _chart(report: figures.Report) -> str:
    label = _("fewer than %(k)d") % {"k": report.table.k}
    draw = column_chart if report.chart == "columns" else bar_chart
    return draw(
        report.rows(),
        title=str(report.title),
        suppressed_label=label,
        k=report.table.k,
        empty_label=_("No data for this period."),
    )


@require_GET
@require_role(Role.COORDINATOR)
def statistics(request: HavenRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    period = form.period()
    health = figures.checkin_health()
    tables = figures.all_tables(period, health)
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "period": period,
            "tables": [{"report": t, "svg": _chart(t)} for t in tables],
            "stages": figures.time_in_stage(period),
            "median_ack": health["median_ack_minutes"],
            "k": figures.k(),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@require_role(Role.COORDINATOR)
def download(request: HavenRequest, name: str, fmt: str) -> HttpResponse:
    period = PeriodForm(request.GET or None).period()
    report = next((t for t in figures.all_tables(period) if t.name == name), None)
    if report is None or fmt not in ("csv", "json"):
        raise Http404
    k = report.table.k
    # Rows are named by their labels in the reader's language, never by internal keys (a state
    # code such as "in_transit" or "abroad:DE" means nothing to a reader of a published table).
    if fmt == "json":
        payload = {
            "table": str(report.title),
            "period": period.describe(),
            "k": k,
            "rows": [{"label": label, "count": cell.as_json(k)} for label, cell in report.rows()],
            "total": report.table.total.as_json(k),
        }
        response = HttpResponse(
            json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json"
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow([str(report.title), _("Count")])
        for label, cell in report.rows():
            writer.writerow([label, cell.export(k)])
        writer.writerow([_("Total"), report.table.total.export(k)])
    response["Content-Disposition"] = f'attachment; filename="haven-{name}.{fmt}"'
    return response


@require_GET
@require_role(Role.COORDINATOR)
def public_summary(request: HavenRequest) -> HttpResponse:
    period = PeriodForm(request.GET or None).period()
    data = figures.summary(period)
    if request.GET.get("format") == "json":
        return HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
    return render(request, "reports/summary.html", {"data": data})
