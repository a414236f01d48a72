"""The read-only JSON API, version 1: /api/v1/progress/, figures/, units/, measures/.

Authenticated by a personal token (`Authorization: Bearer …`) or by the browser session.
Numbers are decimal strings (never floats), codes are the programme's stable codes, and every
error is JSON with a message. The progress endpoint reads the same overview as the dashboard.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import InvalidPage, Paginator
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from targets import access, progress
from targets.models import ApiToken, Campaign, Measure, Unit
from targets.overview import cached_overview
from targets.pagecache import cached
from targets.views.common import as_id

SAFE_METHODS = ("GET", "HEAD")
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": {"status": status, "message": message}}, status=status)


class BadRequest(Exception):
    pass


@csrf_exempt
@login_not_required
def not_found(request, rest: str = ""):
    """An address under /api/ that is none of the API's: said in JSON, as its other errors."""
    return _error(404, f"There is no API endpoint {request.path!r}; see the list in README.md (progress, figures, units, "
                       f"measures, ranking under /api/v1/).")


def api_view(view):
    """Token or session authentication, GET only, errors as JSON."""

    # Exempt from the CSRF check, which answers a write with an HTML page before this JSON one:
    # nothing here changes anything, and every method but GET and HEAD is refused below.
    @csrf_exempt
    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            response = _error(405, f"The API is read-only: {request.method} is not allowed; use GET.")
            response["Allow"] = ", ".join(SAFE_METHODS)
            return response
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, key = header.partition(" ")
            if scheme.lower() != "bearer":  # "Token …", "Basic …": said as what it is, not as a bad token
                return _error(401, f"Send the token as 'Authorization: Bearer <token>', not {scheme!r}.")
            token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key.strip())).first() \
                if key.strip() else None
            if token is None or not token.user.is_active:
                return _error(401, "Invalid or revoked token.")
            if token.is_expired():
                return _error(401, f"This token expired on {token.expires_at.date().isoformat()}; issue a new one on your account page.")
            token.record_use()
            request.user = token.user
        elif not request.user.is_authenticated:
            return _error(401, "Authentication required: send 'Authorization: Bearer <token>' or log in.")
        if not access.roles(request.user):
            return _error(403, "This account has no role in the emulation programme.")
        try:
            return view(request, *args, **kwargs)
        except BadRequest as problem:
            return _error(400, str(problem))

    return wrapper


def _decimal(value: Decimal | None) -> str | None:
    """A decimal string with at most 6 decimals and no exponent ("2460", "67.463415")."""
    if value is None:
        return None
    text = format(value.quantize(Decimal("0.000001")).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _campaign(request) -> Campaign:
    year = request.GET.get("year", "")
    if year and not year.isdigit():
        raise BadRequest("year must be a number, e.g. 2024.")
    campaign = Campaign.objects.for_year(year)
    if campaign is None:
        raise BadRequest(f"There is no programme for year {year}.")
    return campaign


def _quarter(request, required: bool = True) -> int | None:
    quarter = request.GET.get("quarter", "")
    if not quarter and not required:
        return None
    if quarter not in {"1", "2", "3", "4"}:
        raise BadRequest("quarter must be 1, 2, 3 or 4.")
    return int(quarter)


def _campaign_json(campaign: Campaign) -> dict:
    # A programme set up ahead has no document yet (Campaign.document_words): null, not a date moved a year.
    issued = campaign.has_document()
    return {"year": campaign.year, "number": campaign.number if issued else None, "province": campaign.province,
            "issued_on": campaign.issued_on.isoformat() if issued else None, "slogan": campaign.slogan}


@api_view
def progress_view(request):
    # The same for every account with a role, so the encoded body is cached like the dashboards'.
    if request.GET.get("unit"):
        body = cached(request, lambda: _unit_progress_json(_campaign(request), _quarter(request), request.GET["unit"]), reads="unit")
    else:
        body = cached(request, lambda: _progress_json(_campaign(request), _quarter(request)))
    return HttpResponse(body, content_type="application/json")


def _unit_progress_json(campaign: Campaign, quarter: int, code: str) -> str:
    """One unit's submitted and approved figures judged against its own pledges (?unit=CODE)."""
    from targets.models import Submission
    from targets.ranking import pledge_progress

    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise BadRequest(f"There is no unit {code!r}.")
    rows = pledge_progress(campaign, [unit], quarter, Submission.VISIBLE_STATES).get(unit.pk, [])
    return json.dumps({
        "campaign": _campaign_json(campaign),
        "period": {"quarter": quarter, "label_vi": progress.period_label(quarter, "vi"), "label_en": progress.period_label(quarter, "en")},
        # A closed year names the unit as it was closed (Campaign.unit_name), as its signed report does.
        "unit": {"code": unit.code, "name": campaign.unit_name(unit), "name_en": campaign.unit_name(unit, "name_en")},
        "measures": [{
            "code": r.pledge.measure.code, "name": r.pledge.measure.name, "name_en": r.pledge.measure.name_en,
            "unit": r.pledge.measure.unit, "unit_en": r.pledge.measure.unit_en,
            "pledge": {"target": _decimal(r.pledge.target), "signed_on": r.pledge.signed_on.isoformat(), "document": r.pledge.document},
            "comparison": r.pledge.spec().comparison.value,
            "ytd": _decimal(r.progress.ytd), "expected": _decimal(r.progress.expected),
            "percent_of_plan": _decimal(r.progress.percent_of_plan), "status": r.progress.status.value,
            "estimate": r.progress.estimate,  # as in the province's progress: not a final, official figure
            **_what_the_figure_covers(r.progress),
            "explanation_vi": r.progress.explanation("vi"), "explanation_en": r.progress.explanation("en"),
        } for r in rows],
    }, ensure_ascii=False)


@api_view
def ranking_view(request):
    """Every bloc's ranking; a reporter without another role gets only their own units."""
    from targets import ranking
    from targets.models import Proposal

    campaign = _campaign(request)
    if "quarter" in request.GET:  # else ?quarter=1 would be answered with another period, unsaid
        raise BadRequest("The ranking takes no quarter: it is judged up to the latest quarter with reports sent (its \"quarter\").")
    try:
        result = ranking.cached_ranking(campaign)
    except ranking.NoScheme as missing:
        raise BadRequest(str(missing)) from None
    # Codes in any case, as measure and pledge codes are read; an unknown one is said, never answered with everything.
    codes = {b.code.casefold(): b.code for b in result.blocs}
    chosen = request.GET.get("bloc", "")
    if chosen and chosen.casefold() not in codes:
        raise BadRequest(f"There is no bloc {chosen[:40]!r} in {campaign.year}; the blocs are: {', '.join(b.code for b in result.blocs)}.")
    chosen = codes.get(chosen.casefold(), "")
    unit = request.GET.get("unit", "")
    ranked = {u.code.casefold(): u.code for b in result.blocs for u in b.units}
    if unit and unit.casefold() not in ranked:
        raise BadRequest(f"Unit {unit[:40]!r} is in no bloc of the {campaign.year} ranking.")
    unit = ranked.get(unit.casefold(), "")
    own = None if access.sees_rankings(request.user) else set(request.user.units.values_list("code", flat=True))
    # Drafts are the secretariat's working papers: others get only what the council decided.
    shown = access.visible_proposals(request.user, Proposal.objects.filter(campaign=campaign))
    proposals = {p.unit.code: p for p in shown.select_related("unit").order_by("kind")}
    # A year that is over and not closed: what closing it now would change, as the ranking page says
    # it (ranking.closing_caveat, in each language): the sentences naming no unit, and each unit's own reasons.
    caveat = {}
    for lang in ("vi", "en"):
        with translation.override(lang):
            caveat[lang] = ranking.closing_caveat(campaign, result)
    blocs = []
    for bloc in (b for b in result.blocs if not chosen or b.code == chosen):
        units = [u for u in bloc.units if (own is None or u.code in own) and (not unit or u.code == unit)]
        if units:
            blocs.append({"code": bloc.code, "name": bloc.name,
                          "units": [_unit_score(u, proposals.get(u.code), result.reported, caveat) for u in units]})
    # "reported": false before any unit has sent a report of the year, when every unit would be
    # "first" at no points: score and rank are null then, as the ranking page shows neither.
    return JsonResponse({"campaign": _campaign_json(campaign), "provisional": not result.final, "quarter": result.quarter,
                         "reported": result.reported, "if_closed_now_vi": caveat["vi"].of_the_year,
                         "if_closed_now_en": caveat["en"].of_the_year, "blocs": blocs},
                        json_dumps_params={"ensure_ascii": False})


def _unit_score(u, proposal, reported: bool, caveat: dict | None = None) -> dict:
    losing = {lang: (caveat[lang].losing.get(u.code, []) if caveat and u.eligible_for_flag else []) for lang in ("vi", "en")}
    return {
        # No score where the page and the workbook show none (UnitScore.has_total): a unit given nothing of the
        # programme to score, whose points (a bonus alone) are no score of it; its lines still say them.
        "code": u.code, "name": u.name, "score": _decimal(u.score) if reported and u.has_total else None,
        "rank": u.rank if reported else None,
        "eligible_for_flag": u.eligible_for_flag,
        "bars": [{"reason": b.reason.value, "text_vi": b.text("vi"), "text_en": b.text("en")} for b in u.bars],
        # Eligible now, barred once the year is closed (a year that is over, not closed): why, as the ranking page says.
        "would_lose_flag_if_closed_now": [{"text_vi": vi, "text_en": en}
                                          for vi, en in zip(losing["vi"], losing["en"], strict=True)],
        "lines": [{"kind": line.kind.value, "item": line.item, "label": line.label_vi, "label_en": line.label_en,
                   "verdict": line.verdict_vi, "verdict_en": line.verdict_en, "points": _decimal(line.points),
                   "note": line.note_vi, "note_en": line.note_en} for line in u.lines],
        "proposal": None if proposal is None else {
            "kind": proposal.kind, "state": proposal.state, "reason": proposal.reason, "reason_en": proposal.reason_en or proposal.reason,
            "decision_number": proposal.decision_number or None,
            "decision_date": proposal.decision_date.isoformat() if proposal.decision_date else None,
        },
    }


def _progress_json(campaign: Campaign, quarter: int) -> str:
    overview = cached_overview(campaign, quarter)
    indicators = []
    for row in overview.indicators:
        indicators.append({
            "number": row.indicator.number,
            "name": row.indicator.name,
            "name_en": row.indicator.name_en,
            "theme": row.indicator.theme.number,
            "status": row.status.value,
            "measures": [_measure_progress(m) for m in row.measures],
        })
    return json.dumps({
        "campaign": _campaign_json(campaign),
        "period": {"quarter": quarter, "label_vi": progress.period_label(quarter, "vi"), "label_en": progress.period_label(quarter, "en")},
        "indicators": indicators,
    }, ensure_ascii=False)


def _what_the_figure_covers(p: progress.Progress) -> dict:
    """What a client charting `ytd` must know not to take it for the whole period's: the quarters
    it lacks (a half year of Q1 only is no half year; its status is then no_data), and, for a
    full year without the year's figure, the in-year period it carries (3: nine months)."""
    return {
        "missing_quarters": list(p.missing_quarters),
        "year_figure_pending": p.carried,  # never in a closed year: its full year is final
        "carried_quarter": p.in_year.quarter if p.in_year is not None else None,
    }


def _measure_progress(m) -> dict:
    p, measure = m.progress, m.measure
    return {
        "code": measure.code,
        "name": measure.name,
        "name_en": measure.name_en,
        "unit": measure.unit,
        "unit_en": measure.unit_en,
        "target": _decimal(measure.target),
        "comparison": measure.comparison,
        "aggregation": measure.aggregation,
        "quarter_value": _decimal(p.quarter_value),
        "ytd": _decimal(p.ytd),
        # The quarter a level measure's figure is of, when earlier than the period: its same period
        # last year and expected pace are that quarter's too (progress.evaluate).
        "ytd_quarter": p.ytd_quarter if p.ytd_quarter not in (None, p.quarter) else None,
        "expected": _decimal(p.expected),
        "percent_of_plan": _decimal(p.percent_of_plan),
        "same_period": _decimal(p.same_period),
        "change_on_last_year": _decimal(p.change_percent),
        "verdict": p.verdict.value if p.verdict else None,
        "status": p.status.value,
        "explanation_vi": p.explanation("vi"),
        "explanation_en": p.explanation("en"),
        "state": m.state,
        "kind": m.shown.kind if m.shown else None,
        # Issue 12: what a reader must not take for a final, official, reported figure.
        "estimate": p.estimate,
        "quarter_value_derived": p.quarter_value_derived,
        **_what_the_figure_covers(p),
        "disagreements": [{"quarter": d.quarter, "reported_ytd": _decimal(d.reported), "from_quarters": _decimal(d.from_quarters)}
                          for d in p.disagreements],
    }


@api_view
def figures_view(request):
    campaign = _campaign(request)
    figures = access.visible_figures(request.user, campaign).select_related("submission__unit", "measure", "entered_by")
    quarter = _quarter(request, required=False)
    if quarter:
        figures = figures.filter(submission__quarter=quarter)
    # An unknown code is a mistake to be told, not an empty page read as "no figures".
    if code := request.GET.get("measure"):
        if not campaign.measures.filter(code=code).exists():
            raise BadRequest(f"There is no measure {code!r} in the {campaign.year} programme.")
        figures = figures.filter(measure__code=code)
    if code := request.GET.get("unit"):
        if not Unit.objects.filter(code=code).exists():
            raise BadRequest(f"There is no unit {code!r}.")
        figures = figures.filter(submission__unit__code=code)
    size = as_id(request.GET.get("page_size", str(PAGE_SIZE)))
    if size is None or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
    paginator = Paginator(figures.order_by("submission__quarter", "submission__unit__code", "measure__order", "pk"), size)
    number = as_id(request.GET.get("page", "1"))
    if number is None:
        raise BadRequest("page must be a whole number, e.g. 1.")
    try:
        page = paginator.page(number)
    except InvalidPage as problem:
        raise BadRequest(f"No such page: {problem}") from None
    return JsonResponse({
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [{
            "year": campaign.year, "quarter": f.submission.quarter,
            "unit": f.submission.unit.code, "unit_name": campaign.unit_name(f.submission.unit),  # a closed year's as at its close
            "measure": f.measure.code, "value": _decimal(f.value), "cumulative": _decimal(f.cumulative), "verdict": f.verdict or None,
            "narrative": f.narrative, "note": f.note, "source": f.source, "kind": f.kind,
            "estimate_value": _decimal(f.estimate_value), "estimate_cumulative": _decimal(f.estimate_cumulative),
            "state": f.submission.state,
            "entered_by": f.entered_by.username if f.entered_by else None,
            "entered_at": f.entered_at.isoformat(), "version": f.version,
        } for f in page.object_list],
    }, json_dumps_params={"ensure_ascii": False})


@api_view
def units_view(request):
    units = Unit.objects.select_related("bloc", "parent").order_by("kind", "code")
    return JsonResponse({"results": [{
        "code": u.code, "name": u.name, "name_en": u.name_en, "kind": u.kind,
        "bloc": u.bloc.code if u.bloc else None, "parent": u.parent.code if u.parent else None,
    } for u in units]}, json_dumps_params={"ensure_ascii": False})


@api_view
def measures_view(request):
    campaign = _campaign(request)
    measures = (Measure.objects.filter(campaign=campaign).select_related("indicator")
                .prefetch_related("assignments__unit").order_by("order"))
    return JsonResponse({"campaign": _campaign_json(campaign), "results": [{
        "code": m.code, "indicator": m.indicator.number, "name": m.name, "name_en": m.name_en,
        "unit": m.unit, "unit_en": m.unit_en, "target": _decimal(m.target), "comparison": m.comparison,
        "aggregation": m.aggregation, "decimal_places": m.decimal_places, "previous_year": _decimal(m.previous_year),
        "frequency": m.frequency, "publication_month": m.publication_month,
        "reporting_units": [{"code": a.unit.code, "role": a.role} for a in m.assignments.all()],
    } for m in measures]}, json_dumps_params={"ensure_ascii": False})
