"""Sortable tables (django-tables2) showing the same numbers as the charts beside them."""

from decimal import Decimal

import django_tables2 as tables
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from targets import progress
from targets.language import language
from targets.models import Figure, MeasureAssignment, Submission
from targets.numbers import DASH, format_exact
from targets.overview import judged, judged_target  # the one rule a unit's figures are judged by
from targets.templatetags.emulation import localized, num, pct, status_icon, status_label, verdict_label


def _labelled(label) -> dict:
    """Each cell names its column, which a phone shows when the table becomes cards (app.css)."""
    return {"verbose_name": label, "attrs": {"td": {"data-label": label}}}


def _label_ytd(table: tables.Table, measure) -> None:
    # The table's own copy of its columns (django-tables2 copies them for each table).
    label = measure.ytd_label
    column = table.columns["ytd"].column
    column.verbose_name = label
    column.attrs = {**column.attrs, "td": {**column.attrs.get("td", {}), "data-label": label}}


class NumberColumn(tables.Column):
    def render(self, value, record):
        return num(value, record["places"])


class SeriesTable(tables.Table):
    period = tables.Column(verbose_name=_("Period"), order_by=("quarter",), attrs={"td": {"class": "cell-name"}})
    ytd = NumberColumn(**_labelled(_("Actual, year to date")))
    expected = NumberColumn(**_labelled(_("Expected pace")))
    same_period = NumberColumn(**_labelled(_("Same period last year")))
    target = NumberColumn(**_labelled(_("Target")))
    # xgettext:no-python-format
    percent = tables.Column(**_labelled(_("% of target")))
    status = tables.Column(**_labelled(_("Status")))

    class Meta:
        orderable = True
        attrs = {"class": "table table-sm table-cards"}

    def __init__(self, rows, *, measure, **kwargs):
        # A measure assessed in words has its verdict by period, and no figure to pace or compare.
        super().__init__(rows, exclude=("expected", "same_period", "target", "percent") if measure.is_qualitative else (), **kwargs)
        _label_ytd(self, measure)
        self.in_words = measure.is_qualitative

    def render_ytd(self, value, record):
        if record["verdict"]:
            return verdict_label(record["verdict"])
        # Marked as the sentence above the table and the by-unit table mark it.
        return num(value, record["places"]) + (f" ({_('est.')})" if record["estimate"] else "")

    def render_percent(self, value, record):
        return pct(value, progress.percent_places(value))

    def render_status(self, value, record):
        # A measure assessed in words in its verdict's words, as the report says it (progress.judged_label).
        said = verdict_label(record["verdict"]) if self.in_words and record["verdict"] else status_label(value)
        return f"{status_icon(value)} {said}"


# --- the indicator page's units ---------------------------------------------------------------

def _last_if_none(value):
    """A sort key putting missing values after every number (before them in descending order)."""
    return (value is None, value if value is not None else 0)


VERDICT_ORDER = (progress.Verdict.NOT_COMPLETED, progress.Verdict.COMPLETED, progress.Verdict.COMPLETED_WELL)
UNIT_ORDER = ("unit_kind", "unit_code")


def _aria_sort(bound_column) -> str | None:
    """The order a sorted column's header announces to a screen reader."""
    if not bound_column.is_ordered:
        return None
    return "descending" if bound_column.order_by_alias.is_descending else "ascending"


class UnitBreakdownTable(tables.Table):
    """Each unit's figures for one measure, the most serious status first (SEVERITY)."""

    unit = tables.Column(verbose_name=_("Unit"), order_by=UNIT_ORDER, empty_values=(), attrs={"td": {"class": "cell-name"}})
    quarter_value = tables.Column(**_labelled(_("Quarter figure")), order_by=("quarter_key", *UNIT_ORDER), empty_values=())
    ytd = tables.TemplateColumn(
        '{% load i18n emulation %}{% if record.progress.verdict %}{{ record.progress.verdict|verdict_label }}{% else %}'
        '{{ record.progress.ytd|num:record.places }}{{ record.progress|ytd_note }}'
        '{% include "targets/_disagreements.html" with disagreements=record.progress.disagreements places=record.measure_places %}'
        '{% endif %}', **_labelled(_("Actual, year to date")), order_by=("ytd_key", *UNIT_ORDER), empty_values=())
    target = tables.Column(**_labelled(_("Target or pledge")), order_by=("target_key", *UNIT_ORDER), empty_values=())
    # xgettext:no-python-format
    percent = tables.Column(**_labelled(_("% of target")), order_by=("percent_key", *UNIT_ORDER), empty_values=())
    status = tables.Column(**_labelled(_("Status")), order_by=("status_rank", *UNIT_ORDER), empty_values=())
    state = tables.Column(**_labelled(_("State")), orderable=False, empty_values=())

    class Meta:
        orderable = True
        order_by = ("status",)
        template_name = "targets/_units_table.html"
        attrs = {"class": "table table-sm table-cards", "th": {"aria-sort": _aria_sort}}
        empty_text = _("No unit reports this measure.")

    def __init__(self, rows, *, measure, year: int, quarter: int, **kwargs):
        super().__init__([self._record(row, measure) for row in rows],
                         exclude=("target", "percent") if measure.is_qualitative else (), **kwargs)
        _label_ytd(self, measure)
        self.query = f"?year={year}&quarter={quarter}"
        self.caption, self.measure_code = _("By unit"), measure.code
        self.anchor = f"by-unit-{measure.pk}"  # the heading above the chart and table (indicator.html)

    @staticmethod
    def _record(row: dict, measure) -> dict:
        unit, own, result = row["assignment"].unit, judged(row), row["progress"]
        lead = row["assignment"].role == MeasureAssignment.Role.LEAD
        target = judged_target(row)
        percent = own.percent_of_plan if own else None
        # A verdict sorts like a number: the better, the higher.
        ytd = Decimal(VERDICT_ORDER.index(result.verdict)) if result.verdict is not None else result.ytd
        # A value under each column's name: tables2 looks it up before the render_ methods run.
        return {**row, "unit": unit, "lead": lead, "judged": own, "target": target, "quarter_value": result.quarter_value,
                "ytd": result.verdict or result.ytd, "percent": percent, "status": own.status if own else None,
                "places": (own or result).places, "measure_places": measure.decimal_places,
                "unit_kind": unit.kind, "unit_code": unit.code, "quarter_key": _last_if_none(result.quarter_value),
                "ytd_key": _last_if_none(ytd), "target_key": _last_if_none(target), "percent_key": _last_if_none(percent),
                "status_rank": progress.severity(own.status if own else None)}

    def render_unit(self, record):
        unit = record["unit"]
        link = format_html('<a href="{}{}">{}</a>', reverse("unit", args=[unit.code]), self.query, localized(unit, "name"))
        return format_html("{} ({})", link, _("province figure")) if record["lead"] else link

    def render_quarter_value(self, record):
        result = record["progress"]
        if result.quarter_value is not None and result.quarter_value_derived:
            # Not reported but worked out from two reported years to date: said, and with every digit,
            # so that the column still adds up to what was reported (722,15, not 722,2).
            return format_html("{} <small>({})</small>", format_exact(result.quarter_value, record["measure_places"], language()),
                               _("from the year to date"))
        return num(result.quarter_value, record["places"])

    def render_target(self, record):
        return num(record["target"], record["places"])

    def render_percent(self, record):
        return pct(record["percent"], progress.percent_places(record["percent"]))

    def render_status(self, record):
        if record["judged"] is None:
            return DASH
        judged = record["judged"]
        badge = format_html('<span class="status status-{}"><span aria-hidden="true">{}</span> {}</span>', judged.status.value,
                            status_icon(judged.status), progress.judged_label(judged, language()))
        # A full year not yet reported is judged on the nine months: say so beside the status.
        return format_html("{} ({})", badge, progress.period_note(judged)) if judged.carried else badge

    def render_state(self, record):
        figure = record["figure"]
        if figure is None:
            return DASH
        if figure.kind == Figure.Kind.ESTIMATE:
            return f"{figure.submission.shown_state} · {figure.get_kind_display()}"
        return figure.submission.shown_state


# --- lists the secretariat works through -----------------------------------------------------

PER_PAGE = 50


def sorted_and_paginated(table: tables.Table, request, per_page: int = PER_PAGE) -> tables.Table:
    """Sort `table` by ?sort= and show the ?page= asked for: a malformed page number (or one below 1)
    shows the first page and one past the end the last (Paginator.get_page), never an error page; the page
    size is ours, not the client's. Only the table's own sortable columns are taken from ?sort=."""
    from targets.pagecache import not_kept

    table.request = request
    sortable = {column.name for column in table.columns if column.orderable}
    given = request.GET.getlist(table.prefixed_order_by_field)
    asked = [name for name in given if name.removeprefix("-") in sortable]
    if asked:
        table.order_by = asked
    table.paginator = Paginator(table.rows, per_page)
    page = request.GET.get(table.prefixed_page_field)
    table.page = table.paginator.get_page(_page_number(page))
    if asked != given or page not in (None, str(table.page.number)):
        # Served as the table took it, but not kept under what was asked: a cache entry for each
        # made-up sort or page would let anyone fill the cache.
        not_kept(request)
    return table


def _page_number(text: str | None):
    """The page asked for, where a number below 1 asks for the first page, not (as Paginator has
    it) the last; anything else goes to Paginator.get_page as it came."""
    try:
        return max(int(text), 1)
    except (TypeError, ValueError):
        return text


# What the secretariat acts on first: reports waiting for review, then those sent back.
STATE_ORDER = (Submission.State.SUBMITTED, Submission.State.RETURNED, Submission.State.DRAFT, Submission.State.APPROVED)


def state_rank(submission: Submission) -> tuple[int, bool]:
    """Where a report sorts in the queue by its state (STATE_ORDER): a correction saved as a draft
    after a return (Submission.shown_state) with the reports sent back, after those not touched
    yet, and before the drafts never sent."""
    corrected = submission.state == Submission.State.DRAFT and submission.sent_back
    return STATE_ORDER.index(Submission.State.RETURNED if corrected else submission.state), corrected


class ReviewTable(tables.Table):
    """The quarter's reports in the review queue, each with a box to approve it with others."""

    select = tables.TemplateColumn(
        '{% load i18n %}{% if record.state == "submitted" %}<input class="form-check-input" type="checkbox" name="submission" '
        'value="{{ record.pk }}" id="s{{ record.pk }}"{% if record.selected %} checked{% endif %} aria-label="{% translate \'Select\' %} {{ record.unit.name }}">'
        # The version the row showed: a report sent again since is not approved unread (workflow.check_version).
        '<input type="hidden" name="version-{{ record.pk }}" value="{{ record.version }}">{% endif %}',
        verbose_name=_("Select"), orderable=False, attrs={"th": {"class": "visually-hidden-focusable"}})
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__kind", "unit__code"), attrs={"td": {"class": "cell-name"}})
    state = tables.Column(**_labelled(_("State")), order_by=("state_rank", "unit__kind", "unit__code"))
    completeness = tables.TemplateColumn(
        '{{ record.filled }}/{{ record.expected }}{% for measure, found in record.disagreements %}'
        '{% include "targets/_disagreements.html" with disagreements=found places=measure.decimal_places code=measure.code %}'
        '{% endfor %}', **_labelled(_("Completeness")), order_by=("-lacking", "unit__kind", "unit__code"))
    submitted_at = tables.DateTimeColumn(**_labelled(_("Submitted")), short=True)

    class Meta:
        orderable = True
        order_by = ("state",)
        # On a phone each report is a card (app.css), as the other tables: nothing to scroll sideways.
        attrs = {"class": "table table-sm align-middle table-cards"}
        empty_text = _("No report for this quarter yet.")

    def render_unit(self, record):
        return format_html('<a href="{}">{} – {}</a>', reverse("submission", args=[record.pk]), record.unit.code,
                           localized(record.unit, "name"))

    def render_state(self, record):
        return record.shown_state

    def render_submitted_at(self, value, record):
        if value is None:
            # Never sent (a draft): said in the late page's words, not formatted as the moment the page is shown
            # (a template column is rendered even for an empty value).
            return _("Not submitted")
        # A sending the secretariat does not count (returned as not counted as sent) says so.
        shown = date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        if record.not_counted_as_sent:
            return format_html("{} – {}", shown, _("returned as not counted as sent"))
        return shown


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

    def render_quarter(self, value):
        return capfirst(progress.quarter_label(value))  # "Quý III", as every other table says

    def render_state(self, value, record):
        if not value:
            return _("Submitted late")
        # Not sent: say where the report stands (a draft, or returned by the secretariat), if it exists.
        return format_html("{} ({})", _("Not submitted"), record["submission"].shown_state) if record["submission"] else _("Not submitted")
