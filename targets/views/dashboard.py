"""What provincial officials open: overview → theme → indicator → unit, and who is late."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from targets import access, progress, ranking, timeliness
from targets.language import language
from targets.models import Campaign, Figure, MeasureAssignment, Submission, Unit
from targets.numbers import places_to_tell_apart
from targets.overview import cached_overview, owes_reports, submission_status, task_progress, unit_breakdown
from targets.pagecache import cached_page
from targets.tables import LateTable, SeriesTable, UnitBreakdownTable, sorted_and_paginated
from targets.templatetags.emulation import localized, theme_label
from targets.views.common import programme_year, quarter_param


def _period(request, default=Campaign.latest_quarter) -> dict:
    """The campaign and quarter asked for (?year=&quarter=; by default the latest quarter with data,
    or what `default` says of the campaign), with what the period picker lists."""
    period = programme_year(request)
    quarter = quarter_param(request) or default(period["campaign"])
    return {**period, "quarter": quarter, "quarters": (1, 2, 3, 4)}


@require_safe
def home(request):
    def build():
        period = _period(request)
        overview = cached_overview(period["campaign"], period["quarter"])
        tasks = task_progress(period["campaign"], period["quarter"])
        themes = [(row, tasks.get(row.theme.pk, [])) for row in overview.themes]
        return _("Overview"), "targets/home.html", {**period, "overview": overview, "themes": themes}

    return cached_page(request, build)


@require_safe
def theme(request, number: int):
    def build():
        period = _period(request)
        overview = cached_overview(period["campaign"], period["quarter"])
        row = next((t for t in overview.themes if t.theme.number == number), None)
        if row is None:
            raise Http404(_("No such theme."))
        tasks = task_progress(period["campaign"], period["quarter"]).get(row.theme.pk, [])
        return theme_label(row.theme), "targets/theme.html", {**period, "row": row, "tasks": tasks}

    return cached_page(request, build)


@require_safe
def indicator(request, number: int):
    def build():
        period = _period(request)
        campaign, quarter = period["campaign"], period["quarter"]
        overview = cached_overview(campaign, quarter)
        row = next((i for i in overview.indicators if i.indicator.number == number), None)
        if row is None:
            raise Http404(_("No such indicator."))
        measures = [m.measure for m in row.measures]
        # With each unit's pledge: its own target, which its figures are judged against (overview.judged).
        breakdown = unit_breakdown(campaign, quarter, measures=measures, pledges=True)
        sections = []
        for m in row.measures:
            series = m.series()
            units = [b for b in breakdown if b["assignment"].measure_id == m.measure.pk]
            # A region's thousand units come fifty to a page, the most serious status first; each
            # measure's table has its own ?u<pk>-sort= and ?u<pk>-page= (the series table has m<pk>-).
            by_unit = sorted_and_paginated(UnitBreakdownTable(units, measure=m.measure, year=campaign.year, quarter=quarter,
                                                              prefix=f"u{m.measure.pk}-"), request)
            shown = [r.record for r in by_unit.page.object_list]
            sections.append({
                "m": m,
                "table": sorted_and_paginated(SeriesTable(_series_rows(m, series), measure=m.measure, prefix=f"m{m.measure.pk}-"), request),
                # A measure with no figure for any period has nothing to draw: a sentence says so (the
                # table of periods below still shows each one without its figure).
                "chart": _chart(m, series) if any(p.ytd is not None for p in series) else None,
                "chart_id": f"chart-{m.measure.pk}",
                "units": by_unit,
                "units_total": len(units),
                "units_chart": _units_chart(m, shown),  # the units of the table's page, in its order
                "units_chart_id": f"units-{m.measure.pk}",
                "mismatch": _mismatch(m, units),
            })
        notes = [b for b in breakdown if b["figure"] is not None and (b["figure"].note or b["figure"].narrative)]
        # Like the figures themselves, their history shows once the unit has sent them in.
        history = list(Figure.history.filter(measure__in=measures, submission__campaign=campaign,
                                              submission__state__in=Submission.VISIBLE_STATES)
                       .select_related("history_user", "submission__unit", "measure").order_by("-history_date")[:30])
        campaign.as_closed(h.submission.unit for h in history)  # its units named as the by-unit table names them
        title = f"{row.indicator.number}. {localized(row.indicator, 'name')}"
        return title, "targets/indicator.html", {**period, "row": row, "sections": sections, "notes": notes, "history": history}

    return cached_page(request, build, reads=r"[mu]\d+-(sort|page)", template="targets/chart_page.html")


def _series_rows(m, series) -> list[dict]:
    # Each period with the decimals that tell its figure from what it is judged against (59,05 / 59,1);
    # a year to date that does not cover its period says what it is (a level figure of an earlier
    # quarter, whose pace and last year's value are that quarter's too; the quarters it lacks).
    return [{"period": progress.period_label(p.quarter, language()) + (
                f" ({note})" if (note := progress.period_note(p, language())) else ""),
             "quarter": p.quarter, "ytd": p.verdict or p.ytd, "verdict": p.verdict, "expected": p.expected,
             "target": m.measure.target, "same_period": p.same_period, "percent": p.percent_of_plan,
             "status": p.status, "places": p.places, "estimate": p.estimate} for p in series]


def _number(value):
    return str(value) if value is not None else None


def _chart(m, series) -> dict:
    """Chart.js data as plain JSON (decimal strings parsed by the script; display only)."""
    datasets = [
        {"label": m.measure.ytd_label, "data": [_number(p.ytd) for p in series]},
        {"label": _("Expected pace"), "data": [_number(p.expected) for p in series]},
        {"label": _("Same period last year"), "data": [_number(p.same_period) for p in series]},
        {"label": _("Target"), "data": [_number(m.measure.target) for _p in series]},
    ]
    return {
        "type": "line",
        "labels": [progress.period_label(p.quarter, language()) for p in series],
        # A line with no point (no target, nothing last year) is left out of the legend too.
        "datasets": [d for d in datasets if any(v is not None for v in d["data"])],
        "title": m.measure.name if language() == "vi" else (m.measure.name_en or m.measure.name),
    }


def _units_chart(m, units) -> dict | None:
    numeric = [u for u in units if u["progress"].ytd is not None]
    # The lead unit's figure is the province's total (the chart above): beside the districts' own
    # it would flatten their bars to slivers. Alone, it is charted.
    numeric = [u for u in numeric if u["assignment"].role != MeasureAssignment.Role.LEAD] or numeric
    if not numeric or m.measure.is_qualitative:
        return None
    return {
        "type": "bar",
        "labels": [_chart_label(u) for u in numeric],
        "datasets": [{"label": m.measure.ytd_label, "data": [_number(u["progress"].ytd) for u in numeric]}],
        "title": _("By unit"),
    }


def _chart_label(row) -> str:
    # A year to date that is not its period's whole says so, as in the table ("thiếu số liệu quý III").
    name, note = _chart_name(row["assignment"].unit), progress.period_note(row["progress"])
    return f"{name} ({note})" if note else name


def _chart_name(unit) -> str:
    # The short Vietnamese names ("TP Hà Giang") have no English form: English pages take the table's names.
    return unit.list_name(language())


def _mismatch(m, units) -> dict | None:
    """For a flow, the districts' sum should match the province figure; say so when it doesn't."""
    if m.measure.aggregation != "flow" or m.progress.ytd is None:
        return None
    districts = [u["progress"] for u in units if u["assignment"].role == MeasureAssignment.Role.BREAKDOWN
                 and u["assignment"].unit.kind == Unit.Kind.LOCALITY]
    # Only sums of the same period compare: not while a district lacks a quarter, nor with the
    # nine months' figures of a full year not yet reported.
    if not districts or any(not _whole_period(p) for p in (*districts, m.progress)):
        return None
    total = sum(p.ytd for p in districts)
    if total == m.progress.ytd:
        return None
    return {"districts": total, "province": m.progress.ytd,
            "places": places_to_tell_apart(m.measure.decimal_places, total, m.progress.ytd)}  # never "100,0 but 100,0"


def _whole_period(p) -> bool:
    return p.ytd is not None and not p.missing_quarters and p.in_year is None


@require_safe
def unit(request, code: str):
    # The unit's own staff and the secretariat also see its drafts and returned reports. Asked
    # without loading the unit, so that a page served from the cache needs no query for officials.
    user = request.user
    own = access.is_reviewer(user) or (access.is_reporter(user) and user.units.filter(code=code).exists())
    sees_score = access.sees_score_of(user, code)

    def build():
        the_unit = get_object_or_404(Unit.objects.select_related("bloc"), code=code)
        period = _period(request)
        # A closed year's page heads the unit as its signed report names it: as it was when the year
        # was closed (Campaign.as_closed), whatever it was renamed since. Never saved.
        period["campaign"].as_closed([the_unit])
        states = Submission.State.values if own else Submission.VISIBLE_STATES
        rows = unit_breakdown(period["campaign"], period["quarter"], states=states, units=[the_unit])
        # Only a unit that owes the year's reports can be late with them (as the late page has it).
        owes = Unit.objects.filter(owes_reports(period["campaign"]), pk=the_unit.pk).exists()
        timeliness = submission_status(period["campaign"], 4, units=[the_unit]) if owes else []
        pledges = ranking.pledge_progress(period["campaign"], [the_unit], period["quarter"], states).get(the_unit.pk, [])
        return localized(the_unit, "name"), "targets/unit.html", {**period, "unit": the_unit, "rows": rows, "timeliness": timeliness,
                                                                   "own": own, "pledges": pledges,
                                                                   "standing": _standing(period["campaign"], code) if sees_score else None}

    return cached_page(request, build, vary=(own, sees_score))


def _standing(campaign, code: str):
    """(bloc ranking, unit score, whether any unit has sent a report of the year, the quarter it is
    judged up to) of the unit in the campaign's ranking, None without a scheme or a bloc. Before any
    report is sent every unit shares the first rank at no points: the page says so
    (Ranking.reported), as the ranking page does."""
    try:
        result = ranking.cached_ranking(campaign)
    except ranking.NoScheme:
        return None
    place = result.of_unit(code)
    return (*place, result.reported, result.quarter) if place is not None else None


@require_safe
def late(request):
    def build():
        period = _period(request, default=Campaign.due_quarter)
        rows = [r for r in submission_status(period["campaign"], period["quarter"]) if r["timeliness"] == timeliness.LATE]
        table = sorted_and_paginated(LateTable(rows, year=period["campaign"].year, quarter=period["quarter"]), request)
        return _("Late reports"), "targets/late.html", {**period, "table": table}

    return cached_page(request, build, reads="sort|page")
