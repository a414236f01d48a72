"""The emulation pages: ranking per bloc and each unit's explanation; the secretariat's bonuses,
deductions, registrations and proposals; the admins' pledge workbook and the closing of the year.

Rules live in targets.scoring (points, ranks, proposals), targets.ranking (what is read) and
targets.commendation (what is written); these views check who asks and hand over.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from targets import access, commendation, pledge_xlsx, previews, ranking, ranking_xlsx
from targets.emulation_forms import AdjustmentForm, PledgeUploadForm, ProposalForm, RegistrationForm, WhyForm
from targets.language import language
from targets.models import (
    Campaign,
    Pledge,
    Proposal,
    Registration,
    ScoreAdjustment,
    ScoringScheme,
    UploadPreview,
    newest_campaign,
    proposals_campaign,
)
from targets.views.common import XLSX, as_id, campaign_or_404, programme_year, spooled_download


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _secretariat(request) -> None:
    _require(access.is_reviewer(request.user), _("Only the emulation secretariat may do this."))


def _ranking(campaign: Campaign):
    try:
        return ranking.cached_ranking(campaign)
    except ranking.NoScheme as missing:
        raise Http404(str(missing)) from None


@require_safe
def ranking_page(request):
    _require(access.sees_rankings(request.user), _("Officials, the secretariat and admins see the rankings."))
    year = programme_year(request)
    campaign = year["campaign"]
    result = _ranking(campaign)
    chosen = request.GET.get("bloc", "")
    blocs = [b for b in result.blocs if not chosen or b.code == chosen]
    if chosen and not blocs:
        raise Http404(_("No such emulation bloc."))
    shown = access.visible_proposals(request.user, Proposal.objects.filter(campaign=campaign))  # drafts: the secretariat's only
    proposals = {(p.unit.code, p.kind): p for p in shown.select_related("unit")}
    record = ranking.scheme_record(campaign)
    may_close = access.is_admin(request.user) and ranking.year_over(campaign)
    # Before the irreversible close, the admin is told what the final ranking would rest on, and
    # what bars closing (then no close button): close_year still decides when the form is sent.
    readiness = ranking.close_readiness(campaign, result) if may_close and not record.is_final else None
    # Everyone who sees a provisional ranking of a year that is over is told what closing it would
    # change, as the workbook says it, and by each unit it would bar from the flag.
    caveat = ranking.closing_caveat(campaign, result, readiness)
    sections = [{
        "bloc": b,
        "chart": {"type": "bar", "title": b.label(language()), "labels": [u.label(language()) for u in b.units if u.ranked],
                  "datasets": [{"label": _("Score"), "data": [str(u.score) for u in b.units if u.ranked]}]},
        "chart_id": f"ranking-{b.code}",
        # A unit that left the bloc is listed with its score for its quarters here, explained on the row.
        "rows": [{"u": u, "proposals": [proposals[k] for k in ((u.code, "flag"), (u.code, "certificate")) if k in proposals],
                  "left": any(bar.reason == "left_bloc" for bar in u.bars),
                  "losing": caveat.losing.get(u.code) if u.eligible_for_flag else None}
                 for u in b.units],
    } for b in blocs]
    # Opened on a new year while an earlier one still waits to be closed: said, with the way to it.
    unclosed = [c for c in year["campaigns"] if c.year < campaign.year and not c.year_closed] if access.is_admin(request.user) else []
    return render(request, "targets/ranking.html", {
        **year, "result": result, "sections": sections, "all_blocs": result.blocs, "unclosed": unclosed,
        "chosen": chosen, "record": record, "may_close": may_close, "readiness": readiness, "caveat": caveat,
        # Until then, an admin is told from when the year can be closed.
        "closes_from": ranking.closes_from(campaign) if access.is_admin(request.user) and not may_close else None,
    })


@require_safe
def unit_explanation(request, code: str):
    _require(access.sees_score_of(request.user, code), _("You may see the score of your own unit only."))
    year = programme_year(request)
    campaign = year["campaign"]
    result = _ranking(campaign)
    found = result.of_unit(code)
    if found is None:
        raise Http404(_("This unit is in no emulation bloc."))
    bloc, score = found
    # A unit that moved is also listed, not ranked, in the bloc it left, scored there on its quarters there.
    earlier = [(b, s) for b in result.blocs if b.code != bloc.code and (s := b.unit(code)) is not None]
    # A draft is the secretariat's working paper: others see only what the council decided.
    proposals = list(access.visible_proposals(request.user, Proposal.objects.filter(campaign=campaign, unit__code=code)))
    for p in proposals:  # a withdrawn one says why, as on the proposals page
        p.withdrawal = _withdrawal(p) if p.state == Proposal.State.WITHDRAWN else None
    # What closing a year that is over would change, as the ranking page says it: of the year in the
    # sentences naming no unit (a reporter sees this page, and no other unit), and this unit's own reasons.
    caveat = ranking.closing_caveat(campaign, result)
    return render(request, "targets/ranking_unit.html", {
        **year, "result": result, "bloc": bloc, "score": score, "record": ranking.scheme_record(campaign), "earlier": earlier,
        "proposals": proposals, "caveat": {"sentences": caveat.of_the_year},
        "losing": caveat.losing.get(code) if score.eligible_for_flag else None,
    })


@require_http_methods(["GET", "POST"])
def close_year(request):
    if request.method == "GET":  # a reload or a bookmark after closing: the ranking page, not a bare 405
        return redirect(f"{reverse('ranking')}?{request.GET.urlencode()}")
    _require(access.is_admin(request.user), _("Only admins close the year."))
    campaign = campaign_or_404(request)
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the confirmation to close the year: the ranking then no longer changes."))
        return redirect(f"{reverse('ranking')}?year={campaign.year}")
    try:
        ranking.close_year(campaign, request.user)
    except (ranking.CannotClose, ranking.NoScheme) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The %(year)s year is closed: the ranking is final.") % {"year": campaign.year})
    return redirect(f"{reverse('ranking')}?year={campaign.year}")


@require_safe
def ranking_export(request):
    _require(access.sees_rankings(request.user), _("Officials, the secretariat and admins see the rankings."))
    campaign = campaign_or_404(request)
    lang = language(request.GET.get("lang") or None)
    # Drafts are the secretariat's working papers: an official's copy lists only what the council decided.
    shown = access.visible_proposals(request.user, Proposal.objects.filter(campaign=campaign))
    workbook = ranking_xlsx.ranking_workbook(campaign, _ranking(campaign), lang=lang, proposals=shown)
    return spooled_download(workbook.save, f"xep-hang-thi-dua-{campaign.year}{'-en' if lang == 'en' else ''}.xlsx", XLSX)


@require_http_methods(["GET", "POST"])
def adjustments(request):
    _secretariat(request)
    year = programme_year(request, default=newest_campaign)  # the year being set up
    campaign = year["campaign"]
    form, remove = AdjustmentForm(), WhyForm()
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                remove = WhyForm(request.POST)
                if remove.is_valid():
                    commendation.remove_adjustment(campaign, as_id(request.POST["remove"]), why=remove.cleaned_data["why"])
                    messages.success(request, _("The entry was removed; its history is kept."))
                    return redirect(f"{request.path}?year={campaign.year}")
                # The reason is typed in the row's own small form: its problem is said at the top.
                messages.error(request, " ".join(e for errors in remove.errors.values() for e in errors))
            else:
                form = AdjustmentForm(request.POST)
                if form.is_valid():
                    commendation.add_adjustment(campaign, user=request.user, **form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect(f"{request.path}?year={campaign.year}")
        except commendation.Refused as refused:
            messages.error(request, refused.message)
    rows = list(ScoreAdjustment.objects.filter(campaign=campaign).select_related("unit__bloc", "entered_by")
                .order_by("unit__bloc__code", "unit__code", "pk"))
    campaign.as_closed(a.unit for a in rows)  # a closed year's units named as its ranking names them; never saved
    history = ScoreAdjustment.history.filter(campaign=campaign).select_related("unit", "history_user").order_by("-history_date")[:50]
    return render(request, "targets/adjustments.html", {**year, "rows": rows, "form": form, "remove": remove,
                                                        "history": history, "record": ranking.scheme_record(campaign)})


@require_http_methods(["GET", "POST"])
def registrations(request):
    _require(access.sees_rankings(request.user), _("Officials, the secretariat and admins see the registrations."))
    year = programme_year(request, default=newest_campaign)  # the year being set up
    campaign = year["campaign"]
    record = ranking.scheme_record(campaign)
    scheme = record.scheme()
    today = timezone.localdate()
    # After the deadline too: the secretariat records registrations made on paper by then (the
    # deadline is judged on each registration's own day, commendation.registration_deadline_problem).
    editable = access.is_reviewer(request.user) and not record.is_final
    form = RegistrationForm(titles=scheme.titles, lang=language(), campaign=campaign, today=today)
    if request.method == "POST":
        _secretariat(request)
        form = RegistrationForm(request.POST, titles=scheme.titles, lang=language(), campaign=campaign, today=today)
        if form.is_valid():
            try:
                changed, said = commendation.set_registration(campaign, user=request.user, today=today, **form.cleaned_data)
            except commendation.Refused as refused:
                messages.error(request, refused.message)
            else:
                # Nothing written (already so, or nothing to withdraw) is said as such, not as saved.
                (messages.success if changed else messages.info)(request, said)
                return redirect(f"{request.path}?year={campaign.year}")
    registered = {}
    for r in Registration.objects.filter(campaign=campaign):
        label = scheme.title(r.title).label(language()) if scheme.title(r.title) else r.title
        registered.setdefault(r.unit_id, []).append({"label": label, "on": r.registered_on})
    # A closed year's units named as it was closed (Campaign.as_closed), as its ranking names them; never saved.
    blocs = [{"bloc": bloc, "units": [{"unit": u, "titles": registered.get(u.pk, [])} for u in campaign.as_closed(units)]}
             for bloc, units in ranking.year_blocs(campaign, record)]
    return render(request, "targets/registrations.html", {**year, "blocs": blocs, "form": form, "editable": editable,
                                                           "until": scheme.registration_until, "record": record})


@require_http_methods(["GET", "POST"])
def proposals(request):
    _secretariat(request)
    year = programme_year(request, default=proposals_campaign)  # a closed year's, decided months later
    campaign = year["campaign"]
    failed: dict[int, ProposalForm] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "draft":
                created = commendation.draft_proposals(campaign, user=request.user)
                messages.success(request, _("%(count)s proposals drafted from the final ranking.") % {"count": created})
                return redirect(f"{request.path}?year={campaign.year}")
            pk = as_id(request.POST.get("proposal"))
            form = ProposalForm(request.POST, year=campaign.year)
            if form.is_valid():
                data = dict(form.cleaned_data)
                commendation.update_proposal(campaign, pk, version=data.pop("version"), why=data.pop("why"), user=request.user, **data)
                messages.success(request, _("Saved."))
                return redirect(f"{request.path}?year={campaign.year}#p{pk}")
            failed[pk] = form
            # What no box of the page can show: a form without its version, or for no proposal.
            if "version" in form.errors or not Proposal.objects.filter(campaign=campaign, pk=pk).exists():
                messages.error(request, _("Nothing was saved: this form is out of date or its proposal no longer exists. "
                                          "Reload the page."))
        except commendation.Refused as refused:
            messages.error(request, refused.message)
            if request.POST.get("action") != "draft" and form.is_valid():
                # The page shows the proposal as it stands now; what was typed is said, not lost.
                shown = {name: dict(getattr(field, "choices", ())).get(form.data[name], form.data[name])
                         for name, field in form.fields.items() if name != "version" and str(form.data.get(name, "")).strip()}
                typed = "; ".join(f"{form.fields[name].label}: {value}" for name, value in shown.items())
                if typed:
                    messages.info(request, _("What you typed, not saved: %(typed)s") % {"typed": typed})
    rows = []
    for listed in commendation.proposals_as_ranked(campaign, ranking.cached_ranking(campaign), language()):
        p = listed.proposal
        initial = {"reason": p.reason, "state": p.state, "decision_number": p.decision_number, "decision_date": p.decision_date,
                   "decided_by": p.decided_by, "version": p.version}
        rows.append({"p": p, "listed": listed, "form": failed.get(p.pk) or ProposalForm(initial=initial, auto_id=f"p{p.pk}-%s"),
                     "withdrawal": _withdrawal(p) if p.state == Proposal.State.WITHDRAWN else None})
    history = Proposal.history.filter(campaign=campaign).select_related("unit", "history_user").order_by("-history_date")[:50]
    return render(request, "targets/proposals.html", {**year, "rows": rows, "history": history,
                                                       "record": ranking.scheme_record(campaign)})


def _withdrawal(proposal: Proposal):
    """The history row of when a withdrawn proposal was withdrawn (the first of its latest run of
    withdrawn rows): its day, who, and why, shown on the proposal."""
    found = None
    for row in proposal.history.select_related("history_user").order_by("-history_date", "-history_id"):
        if row.state != Proposal.State.WITHDRAWN:
            break
        found = row
    return found


# The pledge upload keeps its file as the figure upload does (UploadPreview, the same sweep and
# per-person limit), under its own salt: a token of one upload is never confirmed by the other.
PLEDGE_PREVIEW_SALT = "pledge-upload"


@require_http_methods(["GET", "POST"])
def pledges(request):
    _require(access.is_admin(request.user), _("Only admins enter pledges."))
    year = programme_year(request, default=newest_campaign)  # the year being set up
    campaign = year["campaign"]
    form, result, token = PledgeUploadForm(), None, None
    if request.method == "POST" and request.POST.get("token"):
        previews.sweep()
        posted = previews.posted(request.POST.get("token"), request.user, PLEDGE_PREVIEW_SALT, request.session)
        if previews.settled(request, posted, cancel=request.POST.get("action") == "cancel",
                            already_saved=_("This file is already saved: every pledge in it is as saved now.")):
            return redirect(f"{request.path}?year={(posted.saved or {'year': campaign.year})['year']}")
        kept = posted.preview
        result, saved = _save_previewed(request, kept)
        if saved:
            return redirect(f"{request.path}?year={result.campaign.year}")
    elif request.method == "POST":
        form = PledgeUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = pledge_xlsx.read_pledges(upload, upload.size)
            token = _preview_upload(request, upload, result)
    # What is stored, so an admin sees what an upload changed; numbers as the measure shows them.
    stored = list(Pledge.objects.filter(measure__campaign=campaign).select_related("unit", "measure").order_by(
        "unit__kind", "unit__code", "measure__order"))
    campaign.as_closed(p.unit for p in stored)  # a closed year's units named as it was closed; never saved
    closed = ScoringScheme.objects.filter(campaign=campaign, ranking_final_at__isnull=False).exists()
    return render(request, "targets/pledges.html", {**year, "form": form, "result": result, "pledges": stored,
                                                    "closed": closed, "token": token})


def _year_refused(request, result, refused) -> None:
    # The workbook says its year, which may not be the one the page shows: every answer names it.
    messages.error(request, _("The workbook's pledges are for %(year)s: %(reason)s") % {
        "year": result.campaign.year, "reason": refused.message})


def _preview_upload(request, upload, result) -> str | None:
    """Nothing saved yet: the file kept for "Save" and its token, when it creates or changes a pledge."""
    if not result.ok:
        return None
    if not result.changes:
        if result.rows or result.notes:
            messages.info(request, _("Nothing to save: no pledge in the file is new or changed."))
        else:
            messages.error(request, _("The file has no pledged figures."))
        return None
    try:
        pledge_xlsx.check_open_year(result.campaign)  # said now, not after "Save"
    except commendation.Refused as refused:
        _year_refused(request, result, refused)
        result.rows = []  # no preview of what cannot be saved
        return None
    previews.sweep()
    return previews.keep(request.user, upload, PLEDGE_PREVIEW_SALT)


def _save_previewed(request, kept: UploadPreview):
    """(result, saved): the kept file read again and saved; its pledges are checked once more against
    the download under the save's lock, and one changed since the preview refuses it all. The kept
    file goes either way: refused, it must be downloaded and filled in again."""
    content = bytes(kept.content)
    result = pledge_xlsx.read_pledges(io.BytesIO(content), len(content))
    try:
        if not result.ok:
            return result, False
        try:
            created, updated = pledge_xlsx.save_pledges(result, user=request.user)
        except pledge_xlsx.ChangedSince as changed:
            result.problems = changed.problems
            return result, False
        except commendation.Refused as refused:
            _year_refused(request, result, refused)
            return None, False
    finally:
        pk = kept.pk
        kept.delete()
    if created or updated:
        line = _("Saved %(created)s new and %(updated)s changed pledges for %(year)s.") % {
            "created": created, "updated": updated, "year": result.campaign.year}
        messages.success(request, line)
        previews.remember_saved(request.session, pk, [line], year=result.campaign.year)
    else:  # written meanwhile, as the file says (a double click on "Save")
        messages.info(request, _("Nothing to save: no pledge in the file is new or changed."))
    return result, True


@require_safe
def pledge_template(request):
    _require(access.is_admin(request.user), _("Only admins enter pledges."))
    campaign = campaign_or_404(request, default=newest_campaign)  # the year being set up
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="giao-uoc-thi-dua-{campaign.year}.xlsx"'
    pledge_xlsx.build_template(campaign).save(response)
    return response
