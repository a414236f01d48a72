"""Sortable tables (django-tables2) showing the same numbers as the charts beside them."""

import django_tables2 as tables
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from targets.models import Submission
from targets.templatetags.emulation import localized, num, pct, status_icon, status_label


def _labelled(label) -> dict:
    """Each cell names its column, which a phone shows when the table becomes cards (app.css)."""
    return {"verbose_name": label, "attrs": {"td": {"data-label": label}}}


class NumberColumn(tables.Column):
    def render(self, value, record):
        return num(value, record["places"])


class SeriesTable(tables.Table):
    period = tables.Column(verbose_name=_("Period"), order_by=("quarter",), attrs={"td": {"class": "cell-name"}})
    ytd = NumberColumn(**_labelled(_("Actual, year to date")))
    expected = NumberColumn(**_labelled(_("Expected pace")))
    same_period = NumberColumn(**_labelled(_("Same period last year")))
    target = NumberColumn(**_labelled(_("Target")))
    percent = tables.Column(**_labelled(_("% of target")))
    status = tables.Column(**_labelled(_("Status")))

    class Meta:
        orderable = True
        attrs = {"class": "table table-sm table-cards"}

    def render_percent(self, value):
        return pct(value, 1)

    def render_status(self, value):
        return f"{status_icon(value)} {status_label(value)}"


# --- lists the secretariat works through -----------------------------------------------------

PER_PAGE = 50


def sorted_and_paginated(table: tables.Table, request, per_page: int = PER_PAGE) -> tables.Table:
    """Sort `table` by ?sort= and show the ?page= asked for: a malformed page number shows the
    first page and one past the end the last (Paginator.get_page), never an error page; the page
    size is ours, not the client's. Only the table's own sortable columns are taken from ?sort=."""
    table.request = request
    sortable = {column.name for column in table.columns if column.orderable}
    asked = [name for name in request.GET.getlist(table.prefixed_order_by_field) if name.removeprefix("-") in sortable]
    if asked:
        table.order_by = asked
    table.paginator = Paginator(table.rows, per_page)
    table.page = table.paginator.get_page(request.GET.get(table.prefixed_page_field))
    return table


# What the secretariat acts on first: reports waiting for review, then those sent back.
STATE_ORDER = (Submission.State.SUBMITTED, Submission.State.RETURNED, Submission.State.DRAFT, Submission.State.APPROVED)


class ReviewTable(tables.Table):
    """The quarter's reports in the review queue, each with a box to approve it with others."""

    select = tables.TemplateColumn(
        '{% load i18n %}{% if record.state == "submitted" %}<input class="form-check-input" type="checkbox" name="submission" '
        'value="{{ record.pk }}" id="s{{ record.pk }}" aria-label="{% translate \'Select\' %} {{ record.unit.name }}">{% endif %}',
        verbose_name=_("Select"), orderable=False, attrs={"th": {"class": "visually-hidden-focusable"}})
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__kind", "unit__code"))
    state = tables.Column(verbose_name=_("State"), order_by=("state_rank", "unit__kind", "unit__code"))
    completeness = tables.TemplateColumn(
        '{% load i18n emulation %}{{ record.filled }}/{{ record.expected }}{% for measure, d in record.disagreements %}'
        '<div class="text-warning-emphasis small" role="status">⚠ {{ measure.code }}: {% blocktranslate with q=d.quarter|period_label '
        'reported=d.reported|num:measure.decimal_places quarters=d.from_quarters|num:measure.decimal_places %}{{ q }}: the year to '
        'date reported ({{ reported }}) differs from the quarters\' figures added up ({{ quarters }}).{% endblocktranslate %}</div>'
        '{% endfor %}', verbose_name=_("Completeness"), order_by=("filled",))
    submitted_at = tables.DateTimeColumn(verbose_name=_("Submitted"), short=True)

    class Meta:
        orderable = True
        order_by = ("state",)
        attrs = {"class": "table table-sm align-middle"}
        empty_text = _("No report for this quarter yet.")

    def render_unit(self, record):
        return format_html('<a href="{}">{} – {}</a>', reverse("submission", args=[record.pk]), record.unit.code,
                           localized(record.unit, "name"))

    def render_state(self, record):
        return record.get_state_display()


class LateTable(tables.Table):
    """Reports past their deadline: missing ones first, then those sent late (timeliness.py)."""

    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__kind", "unit__code", "quarter"))
    quarter = tables.Column(verbose_name=_("Quarter"))
    deadline = tables.DateColumn(verbose_name=_("Deadline"), short=True)
    state = tables.Column(verbose_name=_("State"), accessor="overdue", order_by=("sent", "unit__kind", "unit__code", "quarter"))

    class Meta:
        orderable = True
        attrs = {"class": "table table-sm"}
        empty_text = _("No unit is late.")

    def __init__(self, rows, *, year: int, quarter: int, **kwargs):
        # Missing reports sort before late ones: "sent" is False for them.
        super().__init__([{**row, "sent": not row["overdue"]} for row in rows], **kwargs)
        self.query = f"?year={year}&quarter={quarter}"

    def render_unit(self, record):
        unit = record["unit"]
        return format_html('<a href="{}{}">{} – {}</a>', reverse("unit", args=[unit.code]), self.query, unit.code,
                           localized(unit, "name"))

    def render_state(self, value):
        return _("Not submitted") if value else _("Submitted late")
