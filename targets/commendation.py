"""Writes of the emulation secretariat, each in one transaction under a row lock: bonuses and
deductions, registrations, proposals drafted from the final ranking, edited, decided.

Every change keeps its history (django-simple-history) with the reason given. Once the year
is closed nothing that changes the score moves any more (bonuses, deductions, registrations):
the final ranking stays what the proposals were drafted from.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from targets import history, ranking, scoring
from targets.language import language
from targets.models import Campaign, Proposal, Registration, ScoreAdjustment, ScoringScheme, Unit
from targets.validators import history_reason


class Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def lock_open_year(campaign: Campaign) -> ScoringScheme | None:
    """The campaign's scheme row (None without one), locked, so that closing the year and the
    writes that change what the ranking is judged on are decided one at a time; refused once the
    year is closed."""
    record = ScoringScheme.objects.select_for_update(of=("self",)).filter(campaign=campaign).first()
    if record is not None and record.is_final:
        raise Refused(_("The year is closed: the ranking is final and no longer changes."))
    return record


def _open_scheme(campaign: Campaign) -> ScoringScheme:
    record = lock_open_year(campaign)
    if record is None:
        raise Refused(_("The %(year)s programme has no scoring scheme.") % {"year": campaign.year})
    return record


@transaction.atomic
def add_adjustment(campaign: Campaign, *, unit: Unit, kind: str, points: Decimal, reason: str, evidence: str, bars_flag: bool,
                   user) -> ScoreAdjustment:
    _open_scheme(campaign)  # locked: two people adding the same entry at once are decided here
    # A form sent twice (a double click, two of the secretariat at once), or the reason typed again
    # in another case or spacing, would count the points twice.
    if problem := ScoreAdjustment.duplicate_problem(campaign.pk, unit, kind, reason):
        raise Refused(str(problem))
    if problem := ScoreAdjustment.bonus_cap_problem(campaign.pk, unit, kind, points):
        raise Refused(str(problem))
    adjustment = ScoreAdjustment(campaign=campaign, unit=unit, kind=kind, points=points, reason=reason, evidence=evidence,
                                 bars_flag=bars_flag, entered_by=user)
    adjustment._change_reason = history_reason(reason)
    adjustment.save()
    return adjustment


@transaction.atomic
def remove_adjustment(campaign: Campaign, pk: int | None, *, why: str) -> None:
    _open_scheme(campaign)
    adjustment = ScoreAdjustment.objects.select_for_update(of=("self",)).filter(campaign=campaign, pk=pk).first() if pk else None
    if adjustment is None:
        raise Refused(_("That entry no longer exists."))
    adjustment._change_reason = history_reason(why)
    adjustment.delete()


def registration_open(scheme: scoring.Scheme, today: datetime.date) -> bool:
    """Whether units may still register (or withdraw) today."""
    return scheme.registration_until is None or today <= scheme.registration_until


def registration_deadline_problem(scheme: scoring.Scheme, registered_on: datetime.date | None, today: datetime.date) -> str | None:
    """The deadline rule of a registration, judged on the day it was made (`registered_on`; None:
    today, a registration made now), not on the day it is entered: units register on paper by the
    deadline and the secretariat records them later, while the year is open. One made after the
    deadline is refused, the deadline named."""
    until = scheme.registration_until
    if until is None or (registered_on or today) <= until:
        return None
    if registered_on is None:
        return _("Registration closed on %(date)s. A registration the unit made by then is recorded with the day it was "
                 "made: type that day.") % {"date": until.strftime("%d/%m/%Y")}
    return _("%(day)s is after the registration deadline of %(date)s: a registration made after it is not accepted.") % {
        "day": registered_on.strftime("%d/%m/%Y"), "date": until.strftime("%d/%m/%Y")}


@transaction.atomic
def set_registration(campaign: Campaign, *, unit: Unit, title: str, registered: bool, user, today: datetime.date,
                     registered_on: datetime.date | None = None) -> tuple[bool, str]:
    """Register `unit` for `title` on the day `registered_on` (today when None), or withdraw it.
    Registering again with a date corrects the day recorded (a registration entered from paper with
    a mistyped day); without one, it stays. A withdrawal takes no date. Returns whether anything was
    written, and what the secretariat is told."""
    record = _open_scheme(campaign)
    scheme = record.scheme()
    # A withdrawal takes no date: it is made today, by the deadline. A registration is judged on its
    # own day (registration_deadline_problem), below, once it is known whether it writes one.
    if not registered and not registration_open(scheme, today):
        raise Refused(_("Registration closed on %(date)s.") % {"date": scheme.registration_until.strftime("%d/%m/%Y")})
    if problem := Registration.title_problem(campaign, title):
        raise Refused(str(problem))
    if registered and registered_on is not None and (problem := Registration.date_problem(campaign, registered_on, today)):
        raise Refused(problem)
    words = {"unit": f"{unit.code} · {unit.list_name(language())}", "title": scheme.title(title).label(language())}
    existing = Registration.objects.select_for_update(of=("self",)).filter(campaign=campaign, unit=unit, title=title).first()
    if not registered:
        if existing is None:
            return False, _("%(unit)s had not registered for %(title)s: nothing to withdraw.") % words
        existing.delete()
        return True, _("The registration of %(unit)s for %(title)s is withdrawn.") % words
    if existing is None:
        # No date: registered today, which must be a day of the registrations too.
        if registered_on is None and (problem := Registration.date_problem(campaign, None, today)):
            raise Refused(problem)
        if problem := registration_deadline_problem(scheme, registered_on, today):
            raise Refused(problem)
        created = Registration.objects.create(campaign=campaign, unit=unit, title=title, registered_on=registered_on or today,
                                              entered_by=user)
        return True, _("%(unit)s is registered for %(title)s on %(date)s.") % {**words, "date": created.registered_on.strftime("%d/%m/%Y")}
    if registered_on is None or registered_on == existing.registered_on:
        return False, _("%(unit)s was already registered for %(title)s on %(date)s; nothing changed.") % {
            **words, "date": existing.registered_on.strftime("%d/%m/%Y")}
    if problem := registration_deadline_problem(scheme, registered_on, today):
        raise Refused(problem)
    old = existing.registered_on
    existing.registered_on = registered_on
    existing.save(update_fields=["registered_on"])  # a save, not an update(): the history keeps both days
    return True, _("The registration date of %(unit)s for %(title)s is corrected from %(old)s to %(new)s.") % {
        **words, "old": old.strftime("%d/%m/%Y"), "new": registered_on.strftime("%d/%m/%Y")}


@transaction.atomic
def draft_proposals(campaign: Campaign, *, user) -> int:
    """Proposals from the final ranking for every bloc; those already drafted are left as they are."""
    record = ScoringScheme.objects.select_for_update(of=("self",)).filter(campaign=campaign).first()
    if record is None or not record.is_final:
        raise Refused(_("Proposals are drafted from the final ranking, once the year is closed."))
    scheme = record.scheme()
    result = ranking.build_ranking(campaign)
    units = {u.code: u for u in Unit.objects.filter(code__in=[s.code for b in result.blocs for s in b.units])}
    stored = {(p.unit.code, p.kind): p for p in Proposal.objects.select_for_update(of=("self",)).filter(campaign=campaign)
              .select_related("unit")}
    # A withdrawn proposal holds no place: the title goes to the next unit by the same rule, and
    # the withdrawn unit is not proposed for it again (it stays listed, withdrawn, with its reason).
    withdrawn = {key for key, p in stored.items() if p.state == Proposal.State.WITHDRAWN}
    created = 0
    for bloc in result.blocs:
        for draft in scoring.draft_proposals(bloc, scheme, withdrawn):
            if (draft.unit, draft.kind.value) in stored:
                continue
            proposal = Proposal(campaign=campaign, unit=units[draft.unit], kind=draft.kind.value, reason=draft.reason_vi, reason_en=draft.reason_en,
                                rank=draft.rank, score=draft.score, changed_by=user)
            proposal._change_reason = history.system_reason(history.DRAFTED)
            proposal.save()
            created += 1
            certificate = stored.get((draft.unit, Proposal.Kind.CERTIFICATE.value))
            if draft.kind == scoring.ProposalKind.FLAG and certificate is not None and certificate.state == Proposal.State.DRAFT:
                # Now proposed for the flag in place of a withdrawn one: its draft certificate gives way,
                # the bloc's next unit being proposed for it (a unit is proposed for one title).
                certificate.state = Proposal.State.WITHDRAWN
                certificate.version += 1
                certificate.changed_by = user
                certificate._change_reason = history.system_reason(history.FLAG_INSTEAD)  # shown in the page's language
                certificate.save()
    return created


@dataclass(frozen=True)
class Listed:
    """A proposal with the bloc and the unit's name it was ranked under, and the decimals its score
    is shown with there (`places`: UnitScore.shown_places; None: those it has, scoring.points_text)."""

    proposal: Proposal
    bloc: str
    unit: str
    places: int | None = None

    @property
    def score_text(self) -> str:
        """The proposal's score as the ranking page writes its unit's score, in the language being served
        (empty without one: a proposal entered in the admin may have none)."""
        if self.proposal.score is None:
            return ""
        return scoring.shown_points(self.proposal.score, self.places, language())


def proposals_as_ranked(campaign: Campaign, result: scoring.Ranking, lang: str, proposals=None) -> list[Listed]:
    """The campaign's proposals (or those of `proposals`, a queryset of them) in the ranking's order
    of blocs, each under the bloc and name its unit was ranked with: after the close a unit may be
    renamed or move bloc, and the proposals stay what the council was given (the page and the workbook alike)."""
    order = {bloc.code: i for i, bloc in enumerate(result.blocs)}
    english = language(lang) == "en"
    listed = []
    proposals = Proposal.objects.filter(campaign=campaign) if proposals is None else proposals
    for p in proposals.select_related("unit__bloc", "changed_by"):
        if place := result.of_unit(p.unit.code):
            listed.append((order[place[0].code], Listed(p, place[0].label(lang), place[1].label(lang), place[1].shown_places)))
        else:  # not in the ranking (entered in the admin): where the unit stands now
            bloc = p.unit.bloc
            listed.append((len(order), Listed(p, ((english and bloc.name_en) or bloc.name) if bloc else "",
                                              (english and p.unit.name_en) or p.unit.name)))
    # In each bloc the flag first, then the certificates, by rank.
    listed.sort(key=lambda item: (item[0], item[1].proposal.kind != Proposal.Kind.FLAG, item[1].proposal.rank or 0,
                                  item[1].proposal.unit.code))
    return [entry for _order, entry in listed]


DECIDED = (Proposal.State.AWARDED, Proposal.State.NOT_AWARDED)


@transaction.atomic
def update_proposal(campaign: Campaign, pk: int | None, *, version: int, why: str, user, **values) -> Proposal:
    """Edit a proposal or record the council's decision; refused when someone changed it meanwhile."""
    proposal = Proposal.objects.select_for_update(of=("self",)).filter(campaign=campaign, pk=pk).first() if pk else None
    if proposal is None:
        raise Refused(_("That proposal no longer exists."))
    if proposal.version != version:
        raise Refused(_("Someone else changed this proposal meanwhile; here it is as it stands now."))
    if proposal.state == Proposal.State.WITHDRAWN and values.get("state", proposal.state) != Proposal.State.WITHDRAWN:
        # Decided under the lock: drafting (draft_proposals) locks every proposal, this one too.
        if standing := _drafted_in_place_of(campaign, proposal):
            raise Refused(_("%(units)s was proposed in place of this withdrawn proposal and is not withdrawn: putting this one "
                            "back would propose one unit too many. Withdraw that proposal first.") % {
                "units": ", ".join(f"{p.unit.code} · {p.unit.list_name(language())}" for p in standing)})
    if values.get("reason", proposal.reason) != proposal.reason:
        proposal.reason_en = ""  # the secretariat's own words stand in both languages
    for name, value in values.items():
        setattr(proposal, name, value)
    if proposal.state not in DECIDED:
        proposal.decision_number, proposal.decision_date, proposal.decided_by = "", None, ""
    proposal.version += 1
    proposal.changed_by = user
    proposal._change_reason = history_reason(why)
    proposal.save()
    return proposal


def _drafted_in_place_of(campaign: Campaign, proposal: Proposal) -> list[Proposal]:
    """The other units' proposals of the same kind in the same bloc, not withdrawn, drafted (or
    entered) after `proposal` was last withdrawn: the ones that took its place (draft_proposals
    gives a withdrawn proposal's place to the next unit)."""
    withdrawn_at = None
    for row in proposal.history.order_by("-history_date", "-history_id"):  # the first row of its latest withdrawal
        if row.state != Proposal.State.WITHDRAWN:
            break
        withdrawn_at = row
    if withdrawn_at is None:
        return []
    later = Proposal.history.filter(campaign=campaign, kind=proposal.kind, history_type="+",
                                    history_id__gt=withdrawn_at.history_id).values("id")
    others = list(Proposal.objects.filter(campaign=campaign, kind=proposal.kind, pk__in=later).exclude(unit=proposal.unit)
                  .exclude(state=Proposal.State.WITHDRAWN).select_related("unit__bloc").order_by("unit__code"))
    if not others:
        return []
    result = ranking.cached_ranking(campaign)

    def bloc(unit: Unit) -> str | None:  # the bloc it was ranked in, as the proposals page lists it
        place = result.of_unit(unit.code)
        return place[0].code if place else unit.bloc.code if unit.bloc else None

    return [p for p in others if bloc(p.unit) == bloc(proposal.unit)]
