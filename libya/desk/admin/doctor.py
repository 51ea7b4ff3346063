"""The doctor's findings as an admin page: each finding links to its records' pages."""

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from libya.desk import doctor

# Findings listed per rule on the page; the total is always shown.
PAGE_LIMIT = 100
SEVERITIES = {doctor.Severity.ERROR: _("error"), doctor.Severity.WARNING: _("warning")}


def record_url(record: doctor.Record) -> str:
    app_label, model_name = record.model.split(".")
    return reverse(f"admin:{app_label}_{model_name}_change", args=[record.pk])


def doctor_view(request: HttpRequest) -> TemplateResponse:
    """Every rule with its total and its first findings, errors first."""
    report = doctor.diagnose(limit=PAGE_LIMIT)
    context = {
        **admin.site.each_context(request),
        "title": _("Desk doctor"),
        "report": report,
        "rules": shown_rules(report),
    }
    return TemplateResponse(request, "admin/desk/doctor.html", context)


def translated(message: str) -> str:
    """A finding's message in the editor's language, its values (names, dates, quoted text)
    marked as data."""
    if not isinstance(message, doctor.Message):
        return message
    values = {
        name: format_html('<span class="doctor-value">{}</span>', value)
        for name, value in message.values.items()
    }
    return format_html(gettext(message.template), **values)


def shown_rules(report: doctor.Report, *, found_only: bool = False) -> list[dict]:
    """Rules with their findings and each record's admin link, errors first."""
    results = sorted(report.results, key=lambda r: r.rule.severity != doctor.Severity.ERROR)
    if found_only:
        results = [result for result in results if result.total]
    return [
        {
            "rule": result.rule,
            # The doctor speaks English to scripts; its rules are marked for translation.
            "summary": gettext(result.rule.summary),
            "severity": SEVERITIES[result.rule.severity],
            "total": result.total,
            "more": result.total - len(result.findings),
            "findings": [
                {
                    "message": translated(finding.message),
                    "records": [(record, record_url(record)) for record in finding.records],
                }
                for finding in result.findings
            ],
        }
        for result in results
    ]
