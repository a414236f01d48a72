"""Nhập số liệu: a unit's figures for one quarter on one page; save as draft, then submit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from targets import access, progress, workflow
from targets.entry import check_input
from targets.models import Campaign, Figure, MeasureAssignment, Submission, Unit, Verdict
from targets.views.common import as_id, campaign_or_404, param


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def open_quarter(campaign: Campaign, unit: Unit) -> int:
    """The first quarter whose deadline has not passed yet (the last one once all have)."""
    today = timezone.localdate()
    deadline = campaign.deadline_table()
    return next((q for q in (1, 2, 3, 4) if today <= deadline(q, unit.pk)), 4)


def _unit_for(request, units) -> Unit:
    code = param(request, "unit")
    if not code:
        unit = units.order_by("kind", "code").first()
        if unit is None:
            raise PermissionDenied(_("Your account is not attached to any unit; ask an administrator."))
        return unit
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404(_("Unknown unit."))
    if not units.filter(pk=unit.pk).exists():
        raise PermissionDenied(_("These figures belong to another unit (%(unit)s); you can only enter your own unit's.")
                               % {"unit": unit.name})
    return unit


def _rows(campaign: Campaign, unit: Unit, quarter: int):
    """One row per assigned measure with what the reporter needs beside the input."""
    assignments = list(MeasureAssignment.objects.filter(unit=unit, measure__campaign=campaign)
                       .select_related("measure").order_by("measure__order"))
    figures = Figure.objects.filter(submission__campaign=campaign, submission__unit=unit, submission__quarter__lte=quarter)
    by_measure: dict[int, dict[int, Figure]] = {}
    for f in figures.select_related("submission"):
        by_measure.setdefault(f.measure_id, {})[f.submission.quarter] = f
    rows = []
    for a in assignments:
        m = a.measure
        own = by_measure.get(m.pk, {})
        values = {q: f.value for q, f in own.items() if q < quarter}
        so_far = progress.evaluate(m.spec(), quarter - 1, values) if quarter > 1 else None
        rows.append({
            "measure": m,
            "figure": own.get(quarter),
            "previous": own[quarter - 1].value if quarter > 1 and (quarter - 1) in own else None,
            "so_far": so_far.ytd if so_far else None,
            "same_period": m.same_period().get(quarter),
        })
    return rows


@require_http_methods(["GET", "POST"])
def entry(request):
    units = access.editable_units(request.user)
    if not access.is_reviewer(request.user) and not access.is_reporter(request.user):
        raise PermissionDenied(_("Only reporters and the secretariat enter figures."))
    campaign = campaign_or_404(request)
    unit = _unit_for(request, units)
    quarter_text = param(request, "quarter")
    quarter = int(quarter_text) if quarter_text in {"1", "2", "3", "4"} else open_quarter(campaign, unit)
    submission = Submission.objects.filter(campaign=campaign, unit=unit, quarter=quarter).select_related(
        "reviewed_by", "submitted_by").first()
    rows = _rows(campaign, unit, quarter)
    refusal = None
    try:
        workflow.check_may_edit(request.user, campaign=campaign, unit=unit, quarter=quarter, submission=submission)
    except workflow.EntryRefused as refused:
        refusal = refused.message
    conflicts = []
    if request.method == "POST":
        if refusal:
            raise PermissionDenied(refusal)
        outcome = _post(request, campaign, unit, quarter, rows)
        if outcome is None:
            target = f"{reverse('entry')}?year={campaign.year}&quarter={quarter}&unit={unit.code}"
            return redirect(target)
        conflicts = outcome
    return render(request, "targets/entry.html", {
        "campaign": campaign, "unit": unit, "quarter": quarter, "rows": rows, "submission": submission,
        "units": units.order_by("kind", "code"), "quarters": (1, 2, 3, 4), "refusal": refusal,
        "deadline": campaign.deadline(quarter, unit), "conflicts": conflicts,
        "verdicts": Verdict.choices, "kinds": Figure.Kind.choices,
        "campaigns": Campaign.objects.all(),
    })


def _post(request, campaign, unit, quarter, rows):
    """Validate every row; save (and submit) only if all are valid. Returns conflicts or None."""
    lang = _lang()
    entries, has_errors, has_warnings = [], False, False
    for row in rows:
        m = row["measure"]
        prefix = f"m{m.pk}_"
        posted = {k: request.POST.get(prefix + k, "") for k in ("value", "verdict", "narrative", "note", "source", "kind", "version")}
        row["posted"] = posted
        checked = check_input(m, text=posted["value"], verdict=posted["verdict"], narrative=posted["narrative"],
                              kind=posted["kind"] or Figure.Kind.OFFICIAL, previous=row["previous"], lang=lang)
        row["errors"], row["warnings"] = checked.errors, checked.warnings
        has_errors |= bool(checked.errors)
        has_warnings |= bool(checked.warnings)
        version = posted["version"]
        entries.append(workflow.Entry(
            measure=m, value=checked.value, verdict=checked.verdict, narrative=posted["narrative"].strip(),
            note=posted["note"].strip(), source=posted["source"].strip(), kind=posted["kind"] or Figure.Kind.OFFICIAL,
            version=as_id(version),
        ))
    if has_errors:
        messages.error(request, _("Nothing was saved: please correct the fields marked below."))
        return []
    if has_warnings and not request.POST.get("confirm"):
        messages.warning(request, _("Nothing was saved yet: some figures look unusual. Check them, tick the confirmation and save again."))
        return []
    try:
        result = workflow.save_figures(user=request.user, campaign=campaign, unit=unit, quarter=quarter, entries=entries,
                                       reason=request.POST.get("reason", "").strip())
        if result.conflicts:
            messages.error(request, _("Nothing was saved: someone changed these figures after you opened the page. "
                                      "Compare the values below and save again."))
            return result.conflicts
        if request.POST.get("action") == "submit":
            workflow.submit(user=request.user, campaign=campaign, unit=unit, quarter=quarter)
            messages.success(request, _("Submitted for review."))
        else:
            messages.success(request, _("Saved as a draft (%(count)s figures).") % {"count": len(result.saved)})
    except workflow.EntryRefused as refused:
        if refused.forbidden:
            raise PermissionDenied(refused.message) from None
        messages.error(request, refused.message)
        return []
    return None
