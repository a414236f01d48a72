"""The emulation programme as data: campaigns, themes, indicators, measures, units, figures.

Invariants that must never be broken (one figure per unit/measure/period, quarters 1–4, one
lead unit per measure) are database constraints, so no code path, import or admin action can
bypass them. Verbose names are Vietnamese through gettext (msgids in English).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from targets import progress
from targets import validators as limits
from targets.language import language
from targets.numbers import format_exact
from targets.validators import char_field, text_field

QUARTERS = [(1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))]
QUARTER_RANGE = Q(quarter__gte=1) & Q(quarter__lte=4)


class Rules:
    """A model whose rules across fields (`rule_problems`: field name → messages) are checked with
    its fields, so the admin and any ModelForm show each message beside its field.

    They run in clean_fields, which is told the fields a form leaves out (Django's documented way):
    a message about a field the form does not show goes to the top of the form with the field's
    name, since a ModelForm cannot put an error on a field it lacks (it would be a server error).
    A field that failed its own check is not judged again."""

    def rule_problems(self) -> dict[str, list[str]]:
        return {}

    def clean_fields(self, exclude=None):
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as invalid:
            errors = invalid.update_error_dict(errors)
        hidden = set(exclude or ())
        for name, messages in self.rule_problems().items():
            if not messages or name in errors:
                continue
            if name in hidden:
                label = capfirst(self._meta.get_field(name).verbose_name)
                errors.setdefault(NON_FIELD_ERRORS, []).extend(f"{label}: {m}" for m in messages)
            else:
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


class Verdict(models.TextChoices):
    """Qualitative verdicts; the values are the engine's (progress.Verdict)."""

    # The words officials write in their reports ("Hoàn thành tốt nhiệm vụ"), see progress.VERDICT_LABELS.
    COMPLETED_WELL = "completed_well", pgettext_lazy("verdict", "Completed well")
    COMPLETED = "completed", pgettext_lazy("verdict", "Completed")
    NOT_COMPLETED = "not_completed", pgettext_lazy("verdict", "Not completed")


class CampaignQuerySet(models.QuerySet):
    def for_year(self, year) -> Campaign | None:
        """The programme of `year` (text from a request is fine), by default the current one
        (current_campaign), None when there is none or the year is not a number."""
        return pick_campaign(self.all(), year)


def pick_campaign(campaigns, year, *, default=None) -> Campaign | None:
    """From programmes listed newest first (a province has one a year, so a handful), the one of
    `year`; when no year is given, `default(campaigns)`, by default current_campaign. None when
    there is none."""
    text = str(year or "").strip()
    if not text:
        return (default or current_campaign)(list(campaigns))
    return next((c for c in campaigns if str(c.year) == text), None)


def _this_year_and_last(campaigns, today: datetime.date) -> tuple[Campaign | None, Campaign | None]:
    """Of programmes listed newest first: the newest whose year has begun (a programme set up
    ahead for next year waits for its year; when all are ahead, the nearest), and the year
    before it when that one is not closed, still with work in it."""
    campaigns = list(campaigns)
    begun = [c for c in campaigns if c.year <= today.year]
    if not begun:
        return (campaigns[-1] if campaigns else None), None
    before = next((c for c in begun if c.year == begun[0].year - 1 and not c.year_closed), None)
    return begun[0], before


def current_campaign(campaigns, today: datetime.date | None = None) -> Campaign | None:
    """The programme a page opens on when no year is asked for: this year's; until its
    first-quarter reports are due, last year's while it is not closed (its fourth-quarter reports,
    their review, its closing and its proposals are those months' work). By the calendar, never
    moved by a report sent early."""
    today = today or timezone.localdate()
    current, before = _this_year_and_last(campaigns, today)
    return before if before is not None and today <= current.default_deadline(1) else current


def entry_campaign(campaigns, unit: Unit, today: datetime.date | None = None) -> Campaign | None:
    """The programme a unit's entry page opens on: this year's, or last year's while it is not
    closed and the unit still has work there: a report sent back to it, or its fourth quarter still
    being collected (until the unit's deadline). So in January a unit lands on last year's fourth
    quarter, in February on the new year's first."""
    from targets.overview import owes_reports

    today = today or timezone.localdate()
    current, before = _this_year_and_last(campaigns, today)
    if (before is not None and (today <= before.deadline(4, unit) or before.sent_back_quarter(unit))
            and Unit.objects.filter(owes_reports(before), pk=unit.pk).exists()):  # a unit new this year owes last year nothing
        return before
    return current


def reports_waiting_for_review() -> dict[tuple[int, int], int]:
    """How many reports wait for review, by (year, quarter), every programme's: one query."""
    return {(year, quarter): count for year, quarter, count in
            Submission.objects.filter(state=Submission.State.SUBMITTED).order_by()
            .values_list("campaign__year", "quarter").annotate(count=models.Count("id"))}


def review_campaign(campaigns, waiting: dict[tuple[int, int], int], today: datetime.date | None = None) -> Campaign | None:
    """The programme the review queue opens on: the oldest with a report waiting for review
    (work for the secretariat, however old: review_quarter), else the current one. `waiting`:
    reports_waiting_for_review()."""
    campaigns = list(campaigns)
    years = {year for year, _quarter in waiting}
    return next((c for c in reversed(campaigns) if c.year in years), None) or current_campaign(campaigns, today)


def proposals_campaign(campaigns, today: datetime.date | None = None) -> Campaign | None:
    """The programme the proposals page opens on: proposals are drafted from a closed year's final
    ranking and decided months into the next, so the newest closed year, else the current one."""
    campaigns = list(campaigns)
    return next((c for c in campaigns if c.year_closed), None) or current_campaign(campaigns, today)


def newest_campaign(campaigns) -> Campaign | None:
    """The newest programme: what the pages that set a year up (pledges, registrations, bonuses) open on."""
    return next(iter(campaigns), None)


# The years a programme can be for, in the admin and when a year is copied (services.copy_campaign):
# a year mistyped (224, 20244) would set up a programme no page offers and a five-year plan of
# centuries.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def programme_year_problem(year: int) -> str | None:
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return _("%(year)s is not a programme year: a programme is for a year from %(first)s to %(last)s.") % {
        "year": year, "first": FIRST_YEAR, "last": LAST_YEAR}


def validate_programme_year(year: int) -> None:
    if problem := programme_year_problem(year):
        raise ValidationError(problem, code="programme_year")


class Campaign(models.Model):
    """One year's emulation programme of a province (e.g. No. 322/CTr-UBND for 2024)."""

    province = char_field(_("province"), 100)
    province_code = char_field(_("province code"), 10, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[validate_programme_year])
    # Empty while a year set up ahead (services.copy_campaign) waits for its programme to be issued:
    # its targets and tasks are prepared meanwhile, and pages cite no document (document_words).
    number = char_field(_("programme number"), 50, blank=True,
                        help_text=_("Empty until the programme is issued: pages and reports then say it has no number yet."))
    issued_on = models.DateField(_("issued on"), null=True, blank=True,
                                 help_text=_("Entered with the number, once the programme is issued."))
    issuing_body = char_field(_("issuing body"), 200)
    title = text_field(_("title"), limits.NOTE)
    slogan = text_field(_("slogan"), limits.NOTE, blank=True)
    plan_start = models.PositiveSmallIntegerField(_("five-year plan from"))
    plan_end = models.PositiveSmallIntegerField(_("five-year plan to"))
    source = text_field(_("source"), limits.NOTE, blank=True)
    # How the official report is headed and signed (Decree 30/2020/NĐ-CP); blank → the provincial
    # People's Committee's own (see targets.exports.report_heading).
    report_issuer = text_field(
        _("issuing body on the report"), limits.SHORT, blank=True,
        help_text=_("One line per row, e.g. \"ỦY BAN NHÂN DÂN\" then \"TỈNH HÀ GIANG\". Empty: the provincial People's Committee."))
    report_issuer_en = text_field(_("issuing body on the report (English)"), limits.SHORT, blank=True)
    report_code = char_field(
        _("report number suffix"), 30, default="BC-UBND",
        help_text=_("What follows \"Số: …/\" on the report, e.g. BC-UBND or BC-SNV."))
    report_signature = text_field(
        _("signature block"), limits.SHORT, default="TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        help_text=_("One line per row, as printed above the signature."))
    report_signature_en = text_field(
        _("signature block (English)"), limits.SHORT, blank=True,
        default="ON BEHALF OF THE PEOPLE'S COMMITTEE\nFOR THE CHAIRMAN\nVICE CHAIRMAN")
    report_signer = char_field(_("name of the signatory"), limits.NAME, blank=True)
    report_recipients = text_field(
        _("recipients (Nơi nhận)"), limits.NOTE, blank=True,
        default="- Ban Thi đua - Khen thưởng Trung ương;\n- Thường trực Tỉnh ủy;\n- Thường trực HĐND tỉnh;\n"
                "- Chủ tịch, các PCT UBND tỉnh;\n- Các sở, ban, ngành; UBND các huyện, thành phố;\n- Lưu: VT, TĐKT.",
        help_text=_("One line per recipient, as printed under \"Nơi nhận:\"."))
    report_recipients_en = text_field(
        _("recipients (English)"), limits.NOTE, blank=True,
        default="- Central Emulation and Commendation Board;\n- Standing Committee of the Provincial Party Committee;\n"
                "- Standing Committee of the Provincial People's Council;\n- Chairman and Vice Chairmen of the Provincial "
                "People's Committee;\n- Provincial departments and agencies; district and city People's Committees;\n"
                "- Filed: Office, Emulation and Commendation.",
        help_text=_("The recipients as printed in the English report; empty: the Vietnamese list."))
    # Yearly figures (PCI, PAPI, the poverty rate…) arrive months after the year; units may enter
    # them after the Q4 deadline until an administrator closes the year.
    year_closed = models.BooleanField(
        _("year closed"), default=False,
        help_text=_("Once closed, none of the year's reports is entered, sent, approved, returned or reopened any more: its ranking and signed report stand as they were."),
    )
    # Units belong to the province, not to a year, and districts and agencies get renamed and
    # merged: a closed year's signed report and pages name its units as they were named when it was
    # closed (unit_name). {unit id: [name, name_en, short_name, active then]}, kept by keep_unit_names.
    kept_unit_names = models.JSONField(_("unit names as the year was closed"), default=dict, blank=True, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("emulation programme")
        verbose_name_plural = _("emulation programmes")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan_start__lte=F("year")) & Q(plan_end__gte=F("year")),
                name="campaign_year_in_plan",
                violation_error_message=_("The programme's year must lie within its five-year plan (from its first to its last year)."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.year})" if self.has_document() else str(self.document_words())

    def save(self, *args, **kwargs):
        # Closed by its box (the admin) as by ranking.close_year, the year keeps its units' names;
        # reopened (reopenable), it names them as they are, until it is closed again.
        if self.year_closed and not self.kept_unit_names:
            self.keep_unit_names()
        elif not self.year_closed and self.kept_unit_names and not self.is_closed():
            self.kept_unit_names = {}
        if kwargs.get("update_fields") is not None and "year_closed" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "kept_unit_names"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        # The admin leaves the year off its form once the programme has reports, while the plan
        # around it is still edited: the plan's rule is checked whatever the form holds, and said
        # (left to the database, it was a server error).
        super().validate_constraints(exclude=set(exclude or ()) - {"year"})

    def clean(self):
        super().clean()
        # A programme is issued late in the year before, or early in its own: a date after its year
        # (2030 for 2025) is a typing error, printed on every page and report heading.
        if self.year and self.issued_on and not self.year - 1 <= self.issued_on.year <= self.year:
            raise ValidationError({"issued_on": _("A programme for %(year)s is issued in %(before)s or %(year)s.") % {
                "year": self.year, "before": self.year - 1}})
        # A number of invisible marks only (a zero-width space pasted from Word or Zalo) looks like an
        # empty box, yet would be cited ("Chương trình số ​ (10/01/2025)"): said, not kept.
        if self.number.strip() and not self._has_number():
            raise ValidationError({"number": _("The programme number shows no character (only spaces or invisible marks, "
                                               "as pasted from another program): type its number, or leave the box empty "
                                               "until the programme is issued.")})
        # One document: its number and its date go together (a number under no date, or a date of
        # no number, is half a citation on every heading).
        if self._has_number() and self.issued_on is None:
            raise ValidationError({"issued_on": _("Enter the date the programme was issued, with its number.")})
        if self.issued_on is not None and not self._has_number():
            raise ValidationError({"number": _("Enter the programme's number, with its date of issue.")})
        # Closed by its box (the admin), as by the ranking page (ranking.close_year), only on its
        # document: once closed, the number and date can no longer be entered.
        if self.year_closed and (problem := self.closing_problem()) and not (
                self.pk and Campaign.objects.filter(pk=self.pk, year_closed=True).exists()):
            raise ValidationError({"year_closed": problem})

    def _has_number(self) -> bool:
        return not limits.shows_nothing(self.number)

    def closing_problem(self) -> str | None:
        """Why the year cannot be closed yet, on its document: the signed report and the final ranking
        cite it, and once closed it can no longer be entered (the programme is read-only). The one rule
        of the ranking page's close (ranking.document_problem) and of the admin's "year closed" box."""
        if self.has_document():
            return None
        return _("Enter the %(year)s programme's number and date of issue first (Admin → Programmes): the signed report and "
                 "the final ranking cite them, and once the year is closed they can no longer be entered.") % {"year": self.year}

    def has_document(self) -> bool:
        """Whether the programme's document has been entered: a programme set up ahead for next year
        (services.copy_campaign) has no number until the admin enters the one issued."""
        return self._has_number() and self.issued_on is not None

    def document_words(self, words=None, day=None) -> str:
        """The programme's document as a page or report cites it: `words` (translated, with
        %(number)s and %(date)s; by default "Chương trình số 322/CTr-UBND (26/12/2023)"), its date as
        `day` writes it (by default the language's short date). Before the admin has entered the
        document of a programme set up ahead, everywhere "Chương trình thi đua năm 2025, chưa có số và
        ngày ban hành": a page or a signed report never cites a document that does not exist."""
        if not self.has_document():
            return _("Emulation programme of %(year)s, number and date of issue not yet entered") % {"year": self.year}
        return (words or _("Programme No. %(number)s (%(date)s)")) % {
            "number": self.number, "date": (day or (lambda value: date_format(value, "SHORT_DATE_FORMAT")))(self.issued_on)}

    def is_closed(self) -> bool:
        """Whether the year is closed: entry closed (year_closed), or its ranking made final, which
        ranking.close_year does with it. What decided the year's ranking and signed report (its
        programme, themes, tasks, indicators, measures, deadlines, scheme, pledges, blocs…) is then
        kept as it was: the admin shows it, read-only (targets.admin.KeptOnceClosed)."""
        return self.year_closed or ScoringScheme.objects.filter(campaign_id=self.pk, ranking_final_at__isnull=False).exists()

    KEPT_NAME_FIELDS = ("name", "name_en", "short_name")

    def keep_unit_names(self, codes=()) -> None:
        """Keep, as they are now, the names of the units the year involves (its reports, assignments,
        tasks, pledges, bloc memberships, and the units `codes` names: its final ranking's), in
        kept_unit_names, with whether each was active (still reporting) then: [name, name_en,
        short_name, active]; not saved. A name kept already stays: it is the one of the year's first close."""
        involved = Q(code__in=list(codes))
        for model, path in ((Submission, "campaign"), (MeasureAssignment, "measure__campaign"), (Pledge, "measure__campaign"),
                            (Task.responsible_units.through, "task__theme__campaign"), (BlocMembership, "campaign")):
            involved |= Q(pk__in=model.objects.filter(**{path: self.pk}).values("unit_id"))
        names = Unit.objects.filter(involved).values_list("pk", *self.KEPT_NAME_FIELDS, "is_active")
        self.kept_unit_names = {**{str(pk): list(kept) for pk, *kept in names}, **self.kept_unit_names}

    def units_kept_active(self) -> list[int]:
        """The units this closed year kept (keep_unit_names) that were active when it was closed: the
        ones that still reported then, deactivated since or not (overview.reporting_units). An entry
        kept without the flag (migration 0032's, of a year closed before it was kept) counts as active."""
        return [int(pk) for pk, kept in self.kept_unit_names.items() if len(kept) <= len(self.KEPT_NAME_FIELDS) or kept[-1]]

    def unit_name(self, unit: Unit, field: str = "name") -> str:
        """The unit's `field` (name, name_en or short_name) in this year: as it was when the year was
        closed (kept_unit_names), whatever it was renamed since; else as it is now. The one lookup of
        a unit's name for a year's report and pages."""
        kept = self.kept_unit_names.get(str(unit.pk))
        return kept[self.KEPT_NAME_FIELDS.index(field)] if kept is not None else getattr(unit, field)

    def as_closed(self, units) -> list[Unit]:
        """The units, as a list, their instances named as this year names them (unit_name): a closed
        year's as they were when it was closed. Where a year's unit rows are built (overview), so that
        every page naming them (tables, charts, headings, through list_name or localized) says what
        the signed report says. For showing only: an instance so renamed is NEVER saved (it would
        give the unit back its old name)."""
        units = list(units)
        if self.kept_unit_names:  # an open year keeps none: its units are named as they are
            for unit in units:
                for field in self.KEPT_NAME_FIELDS:
                    setattr(unit, field, self.unit_name(unit, field))
        return units

    def reopenable(self) -> bool:
        """A year closed by the programme's own box (it has no scoring scheme), which the admin unticks
        to reopen it; a year closed with its ranking (ranking.close_year) stays closed."""
        return self.year_closed and not ScoringScheme.objects.filter(campaign_id=self.pk).exists()

    def closed_problem(self) -> str | None:
        """Why a row of this year can no longer be added, changed or deleted: None while the year is open."""
        if not self.is_closed():
            return None
        text = str(_("%(year)s is closed: its ranking and its signed report stand on what is written here, which can "
                     "therefore no longer be changed.") % {"year": self.year})
        if self.reopenable():
            text += " " + str(_("To change it, reopen the year first: untick “year closed” on the programme's page."))
        return text

    def default_deadline(self, quarter: int) -> datetime.date:
        """The 15th day of the month after the quarter (Q4 → 15 January of next year)."""
        month = quarter * 3 + 1
        year = self.year + (month > 12)
        return datetime.date(year, (month - 1) % 12 + 1, 15)

    def deadline(self, quarter: int, unit: Unit | None = None) -> datetime.date:
        """The entry deadline for a quarter: a unit's extension, else the campaign's, else the default."""
        return self.deadline_table()(quarter, unit.pk if unit else None)

    def deadline_table(self):
        """All of the campaign's deadlines in one query, as a lookup (quarter, unit id) → date,
        for pages and reports that need the deadline of every unit and quarter."""
        rows = {(d.quarter, d.unit_id): d.due_on for d in self.deadlines.all()}

        def lookup(quarter: int, unit_id: int | None = None) -> datetime.date:
            everyone = rows.get((quarter, None)) or self.default_deadline(quarter)
            # A unit's deadline is an extension: the programme's moved later since carries it too.
            return max(rows.get((quarter, unit_id)) or everyone, everyone)

        return lookup

    def open_quarter(self, unit: Unit | None = None, today: datetime.date | None = None) -> int:
        """The quarter being collected: the first whose deadline (the unit's, with its extension)
        has not passed yet; the last one once all have."""
        today = today or timezone.localdate()
        deadline = self.deadline_table()
        return next((q for q in (1, 2, 3, 4) if today <= deadline(q, unit.pk if unit else None)), 4)

    def entry_quarter(self, unit: Unit, today: datetime.date | None = None) -> int:
        """Where a unit's entry page opens: the earliest quarter whose report was sent back for
        correction (open to the unit whatever the date, and returned mostly after the deadline,
        when the quarter being collected is already the next one), else the quarter being collected."""
        return self.sent_back_quarter(unit) or self.open_quarter(unit, today)

    def sent_back_quarter(self, unit: Unit) -> int | None:
        """The earliest quarter whose report was sent back to `unit` and not sent again."""
        returned = self.submissions.filter(unit=unit, state__in=(Submission.State.RETURNED, Submission.State.DRAFT)).order_by("quarter")
        return next((s.quarter for s in returned if s.sent_back), None)

    def due_quarter(self, today: datetime.date | None = None) -> int:
        """The latest quarter whose deadline has passed (1 before any): the late-reports page opens
        on it, so the day after a deadline it lists the units that missed it, sent or not by others.
        (The quarter being collected, open_quarter, is the next one by then.)"""
        today = today or timezone.localdate()
        deadline = self.deadline_table()
        return max((q for q in (1, 2, 3, 4) if today > deadline(q)), default=1)

    def review_quarter(self, today: datetime.date | None = None, waiting: dict[int, int] | None = None) -> int:
        """Where the review queue opens: the earliest quarter with a report waiting for review (work
        for the secretariat, however old), else the latest whose deadline has passed, whose late
        units it chases (due_quarter). `waiting`: its reports waiting, by quarter, where the caller has them."""
        if waiting is None:
            waiting = {q: n for (year, q), n in reports_waiting_for_review().items() if year == self.year}
        return min(waiting, default=None) or self.due_quarter(today)

    def latest_quarter(self) -> int:
        """The latest quarter with a submitted or approved report (1 before any): what the
        dashboards show when no quarter is asked for."""
        return (self.submissions.filter(state__in=Submission.VISIBLE_STATES)
                .order_by("-quarter").values_list("quarter", flat=True).first()) or 1


class EmulationBloc(models.Model):
    code = char_field(_("code"), 30, unique=True)
    name = char_field(_("name"), 200)
    name_en = char_field(_("name (English)"), 200, blank=True)

    class Meta:
        verbose_name = _("emulation bloc")
        verbose_name_plural = _("emulation blocs")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


def takes_part(year, prefix: str = "") -> Q:
    """The units that take part in the programme of `year` (Unit.since_year): the one rule for who
    a year's ranking lists (ranking.members) and who owes it reports (overview.owes_reports: the late
    page, the review queue, the reminders, the workbook and the entry page), so that a unit set up
    for next year is neither ranked nor chased for this one. `year` a number or an expression
    (F("measure__campaign__year")); `prefix` the path from the rows filtered to their unit ("unit__")."""
    return Q(**{f"{prefix}since_year__isnull": True}) | Q(**{f"{prefix}since_year__lte": year})


_INVISIBLE_MARKS = dict.fromkeys(map(ord, limits.INVISIBLE))


def clean_name(text: str) -> str:
    """A name as stored: Unicode NFC (Vietnamese typed in "Unicode tổ hợp" by Unikey, or pasted from
    a Mac or a PDF, carries its accents as separate marks), without the invisible marks a copy from a
    web page leaves (validators.INVISIBLE: zero-width space and joiners, byte-order mark…), its
    spaces of any kind one space, none around it: the name as it looks."""
    return " ".join(unicodedata.normalize("NFC", (text or "").translate(_INVISIBLE_MARKS)).split())


def name_key(text: str) -> str:
    """A unit name as compared for "the same name": clean_name's, case folded and without its spaces
    (a space lost or added between two syllables, or a zero-width space typed for one, is a typing
    slip, not another unit)."""
    return "".join(unicodedata.normalize("NFC", clean_name(text).casefold()).split())


def unit_label(unit) -> str:
    """A unit as a message names it: its code and name ("036 – Huyện Mèo Vạc"), as two units may
    have been given one name before that was refused."""
    return f"{unit.code} – {unit.name}"


class Unit(models.Model):
    """A reporting organisation: a provincial agency or a locality (GSO administrative code)."""

    class Kind(models.TextChoices):
        AGENCY = "agency", _("Provincial agency")
        LOCALITY = "locality", _("District / city")

    code = char_field(_("code"), 30, unique=True, validators=[limits.code_format])
    name = char_field(_("name"), 200)
    name_en = char_field(_("name (English)"), 200, blank=True)
    short_name = char_field(_("short name"), 100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    bloc = models.ForeignKey(
        EmulationBloc, verbose_name=_("emulation bloc"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="units",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="children",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="units",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Unit.bloc is the unit's bloc of the moment, and a year without bloc memberships of its own
    # ranks its bloc's units (ranking.members): a district set up for next year would otherwise
    # appear, with nothing to score, in this year's ranking.
    since_year = models.PositiveSmallIntegerField(
        _("in the programmes from"), null=True, blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The first programme year the unit takes part in: the rankings of earlier years do not list it. "
                    "Empty: every year."))

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "code"]
        # "stc" beside "STC": one unit to a person reading a workbook or typing a username.
        constraints = [models.UniqueConstraint(Lower("code"), name="unit_code_any_case",
                                               violation_error_message=_("Another unit has this code in other letter case."))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.clean_names()
        super().save(*args, **kwargs)

    def list_name(self, lang: str) -> str:
        """The unit as lists and tables name it: its short name in Vietnamese, its English name in
        English (a closed year's rows name their units as it was closed: Campaign.as_closed)."""
        return (self.name_en or self.name) if lang == "en" else (self.short_name or self.name)

    def kept_under_old_code(self) -> list[int]:
        """The closed years whose kept final ranking names this unit by the code it had before this
        edit (empty when the code is unchanged): their pages find the unit by that code."""
        self.kept_code = Unit.objects.filter(pk=self.pk).values_list("code", flat=True).first()
        if self.kept_code is None or self.kept_code == self.code:
            return []
        kept = ScoringScheme.objects.filter(final_ranking__isnull=False).values_list("campaign__year", "final_ranking")
        return sorted(year for year, data in kept
                      if any(u.get("code") == self.kept_code for bloc in data.get("blocs", []) for u in bloc.get("units", [])))

    def not_in_year_problem(self, year: int) -> str | None:
        """Why the unit is given nothing to report for `year`: it takes part only from a later year
        (takes_part). Said wherever a measure or a task is given to it."""
        if self.since_year is None or self.since_year <= year:
            return None
        return _("%(unit)s takes part in the programmes from %(since)s, so it reports nothing for %(year)s. Choose another "
                 "unit, or change the year the unit takes part from (Admin → Units).") % {
            "unit": unit_label(self), "since": self.since_year, "year": year}

    def held_before(self, year: int) -> list[tuple[int, str]]:
        """What the unit has in the programmes before `year`, each with its first year: its reports,
        the measures it reports, its active tasks and the indicators it leads (as
        services.retired_still_reporting names them)."""
        held = []
        if reported := sorted(set(Submission.objects.filter(unit=self, campaign__year__lt=year)
                                  .values_list("campaign__year", flat=True))):
            held.append((reported[0], _("reports in %(years)s") % {"years": ", ".join(map(str, reported))}))
        given: dict[int, dict[str, list[str]]] = {}
        for then, code in (MeasureAssignment.objects.filter(unit=self, measure__campaign__year__lt=year)
                           .order_by("measure__order", "measure__code").values_list("measure__campaign__year", "measure__code")):
            given.setdefault(then, {}).setdefault("measures", []).append(code)
        for task in (Task.objects.filter(responsible_units=self, is_active=True, theme__campaign__year__lt=year)
                     .select_related("theme__campaign").order_by("theme__number", "number")):
            given.setdefault(task.theme.campaign.year, {}).setdefault("tasks", []).append(task.code)
        for then, number in (Indicator.objects.filter(lead_unit=self, campaign__year__lt=year).order_by("number")
                             .values_list("campaign__year", "number")):
            given.setdefault(then, {}).setdefault("indicators", []).append(str(number))
        for then in sorted(given):
            if codes := given[then].get("measures"):
                held.append((then, _("measures %(codes)s of %(year)s") % {"codes": ", ".join(codes), "year": then}))
            if codes := given[then].get("tasks"):
                held.append((then, _("tasks %(codes)s of %(year)s") % {"codes": ", ".join(codes), "year": then}))
            if numbers := given[then].get("indicators"):
                held.append((then, _("the lead of indicators %(numbers)s of %(year)s") % {"numbers": ", ".join(numbers),
                                                                                          "year": then}))
        return held

    def clean_names(self) -> None:
        """The unit's names as stored (clean_name): one form however they were typed or pasted."""
        for field in ("name", "name_en", "short_name"):
            if isinstance(value := getattr(self, field), str):
                setattr(self, field, clean_name(value))

    def unique_error_message(self, model_class, unique_check):
        # The code taken exactly, said with the unit that has it (the constraint in any letter case
        # is then not said too: validate_constraints).
        if model_class is Unit and tuple(unique_check) == ("code",):
            other = Unit.objects.exclude(pk=self.pk).filter(code=self.code).first()
            if other is not None:
                return ValidationError(_("Another unit has this code: %(unit)s.") % {"unit": unit_label(other)}, code="unique")
        return super().unique_error_message(model_class, unique_check)

    def validate_constraints(self, exclude=None):
        # A code taken exactly is said once, by the code's own uniqueness (unique_error_message), not
        # also as a code "in other letter case".
        exclude = set(exclude or ())
        if self.code and Unit.objects.exclude(pk=self.pk).filter(code=self.code).exists():
            exclude.add("code")
        super().validate_constraints(exclude=exclude)

    def clean(self):
        super().clean()

        self.clean_names()
        # Every list to choose a unit from (deadlines, parent units, filters) names units by their
        # name alone: two active units of one name could not be told apart there (name_key: in any
        # letter case, Unicode form, spacing or invisible mark).
        if self.is_active and self.name and (other := next((u for u in Unit.objects.filter(is_active=True).exclude(pk=self.pk)
                                                            .order_by("code") if name_key(u.name) == name_key(self.name)), None)):
            raise ValidationError({"name": _("Another active unit has this name: %(unit)s. Give the unit another name that "
                                             "tells the two apart: the lists to choose a unit from show names only.") % {
                "unit": unit_label(other)}})
        if self.pk and (years := self.kept_under_old_code()):
            raise ValidationError({"code": _("The final ranking of %(years)s lists this unit under its code %(code)s: with another code "
                                             "the unit would fall out of that year's ranking pages, registrations and proposals. "
                                             "Keep the code.") % {"years": ", ".join(map(str, years)), "code": self.kept_code}})
        # A unit that reported in a year, or is given something to report in it, takes part in it:
        # "from" a later year would drop it from that year's ranking unnoticed, and leave it given
        # measures and tasks that no page may then be saved with (Unit.not_in_year_problem).
        if self.pk and self.since_year and (held := self.held_before(self.since_year)):
            raise ValidationError({"since_year": _("The unit has %(held)s: it takes part from %(first)s at the latest.") % {
                "held": "; ".join(text for _year, text in held), "first": min(year for year, _text in held)}})
        # Up the chain of parents: a unit met again is a loop, which no province's structure has.
        seen, parent = {self.pk}, self.parent
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError({"parent": _("A unit cannot be its own parent unit, directly or through another unit.")})
            seen.add(parent.pk)
            parent = parent.parent


def campaign_along(start, path: str):
    """The programme reached from `start` along `path` ("measure__campaign"; "" for a programme
    itself), or None where a step leads nowhere (an add page, a row without it)."""
    for step in filter(None, path.split("__")):
        if start is None:
            return None
        try:
            start = getattr(start, step)
        except ObjectDoesNotExist:
            return None
    return start


def closed_year_problem(instance: models.Model, path: str = "campaign") -> str | None:
    """Why `instance`, a row of a year's programme (`path`: the lookup from it to its Campaign), may
    not be saved: added to a closed year, changed in one, or moved into or out of one
    (Campaign.closed_problem). Saved unchanged, it passes. For any form; the admin shows such rows read-only."""
    model = type(instance)
    fields = [f.attname for f in model._meta.concrete_fields]
    stored = model.objects.filter(pk=instance.pk).values(*fields, path).first() if instance.pk is not None else None
    if stored is not None and all(stored[f] == getattr(instance, f) for f in fields):
        return None
    campaign = campaign_along(instance, path)
    ids = {c for c in (stored[path] if stored else None, campaign.pk if campaign is not None else None) if c is not None}
    for closed in Campaign.objects.filter(pk__in=ids).order_by("year"):
        if problem := closed.closed_problem():
            return problem
    return None


def refuse_if_closed(instance: models.Model, path: str = "campaign") -> None:
    if problem := closed_year_problem(instance, path):
        raise ValidationError(problem, code="year_closed")


class Theme(models.Model):
    """One of a programme's emulation contents ("Một là" … "Sáu là")."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField(_("number"))
    ordinal = char_field(_("ordinal"), 30, blank=True)
    title = text_field(_("title"), limits.NOTE)
    title_en = text_field(_("title (English)"), limits.NOTE, blank=True)
    description = text_field(_("description"), limits.LONG, blank=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="theme_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="theme_number_positive",
                                   violation_error_message=_("A theme's number is 1 or more.")),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def clean(self):
        super().clean()
        refuse_if_closed(self)


class Task(models.Model):
    """A qualitative task of a theme (themes 2–6), reported in words each quarter."""

    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveSmallIntegerField(_("number"))
    title = text_field(_("title"), limits.NOTE)
    title_en = text_field(_("title (English)"), limits.NOTE, blank=True)
    responsible_units = models.ManyToManyField(
        Unit, verbose_name=_("responsible units"), blank=True, related_name="tasks",
        help_text=_("The units that report on this task each quarter."))
    # Retired, not deleted: the reports already written on a task stay in the history.
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("Untick to retire the task: it is no longer reported or shown."))

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["theme", "number"]
        constraints = [models.UniqueConstraint(fields=["theme", "number"], name="task_number_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        """The task as every page, workbook and message names it: its theme's number and its own ("2.3")."""
        return f"{self.theme.number}.{self.number}"

    def clean(self):
        super().clean()
        refuse_if_closed(self, "theme__campaign")
        # Theme I is the twenty indicators, reported as figures: a task there is printed in the
        # indicators' table and never counted in a report's completeness.
        if self.theme_id and self.theme.number < 2:
            # Not tied to the theme field: in the theme's own table of tasks that field is hidden.
            raise ValidationError(_("Tasks belong to themes II to VI; theme I is reported through its indicators' figures."))


class Indicator(Rules, models.Model):
    """A numbered key indicator of the programme; its numbers are entered as measures."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="indicators")
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.CASCADE, related_name="indicators")
    number = models.PositiveSmallIntegerField(_("number"))
    name = text_field(_("name"), limits.NOTE)
    name_en = text_field(_("name (English)"), limits.NOTE, blank=True)
    official_text = text_field(_("official wording"), limits.NOTE, blank=True)
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="led_indicators",
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="indicator_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="indicator_number_positive",
                                   violation_error_message=_("An indicator's number is 1 or more.")),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def rule_problems(self) -> dict[str, list[str]]:
        # Under another year's theme, it is on no page of its own year's (a server error there).
        if self.theme_id and self.campaign_id and self.theme.campaign_id != self.campaign_id:
            return {"theme": [_("This theme belongs to another year's programme; choose one of this programme's.")]}
        # A lead unit reports for its indicator's year (Unit.not_in_year_problem): said when chosen,
        # not of one stored before, saved unchanged.
        stored = Indicator.objects.filter(pk=self.pk).values_list("lead_unit_id", "campaign_id").first() if self.pk else None
        if (self.lead_unit_id and self.campaign_id and stored != (self.lead_unit_id, self.campaign_id)
                and (problem := self.lead_unit.not_in_year_problem(self.campaign.year))):
            return {"lead_unit": [problem]}
        return {}

    def clean(self):
        super().clean()
        refuse_if_closed(self)


class Measure(Rules, models.Model):
    """The thing a figure is entered for: one number (or verdict) with its target and rules."""

    class Comparison(models.TextChoices):
        GTE = "gte", _("at least (≥)")
        GT = "gt", _("more than (>)")
        LTE = "lte", _("at most (≤)")
        DECREASE = "decrease", _("lower than last year")
        INCREASE = "increase", _("higher than last year")
        QUALITATIVE = "qualitative", _("assessed in words")

    class Aggregation(models.TextChoices):
        FLOW = "flow", _("flow (quarters add up)")
        LEVEL = "level", _("level (latest figure stands)")

    class Frequency(models.TextChoices):
        QUARTERLY = "quarterly", _("quarterly")
        HALF_YEARLY = "half_yearly", _("half-yearly")
        YEARLY = "yearly", _("yearly")

    class ValueKind(models.TextChoices):
        # Drives entry validation: percent 0–100, counts whole and ≥ 0, rates may be negative.
        PERCENT = "percent", _("percentage (0–100)")
        RATE = "rate", _("rate (may be negative)")
        COUNT = "count", _("count (whole number)")
        AMOUNT = "amount", _("amount (≥ 0)")
        SCORE = "score", _("score")
        TEXT = "text", _("assessment in words")

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="measures")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="measures")
    code = char_field(_("code"), 20)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = text_field(_("name"), limits.NOTE)
    name_en = text_field(_("name (English)"), limits.NOTE, blank=True)
    unit = char_field(_("unit of measure"), 50, blank=True)
    unit_en = char_field(_("unit of measure (English)"), 50, blank=True)
    value_kind = models.CharField(_("kind of value"), max_length=20, choices=ValueKind.choices)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=6, null=True, blank=True)
    comparison = models.CharField(_("comparison"), max_length=20, choices=Comparison.choices)
    aggregation = models.CharField(_("over the year"), max_length=10, choices=Aggregation.choices)
    decimal_places = models.PositiveSmallIntegerField(_("decimal places"), default=0)
    display_divisor = models.DecimalField(_("display divisor"), max_digits=20, decimal_places=6, default=Decimal(1))
    display_unit = char_field(_("display unit"), 50, blank=True)
    display_unit_en = char_field(_("display unit (English)"), 50, blank=True)
    seasonal = models.BooleanField(
        _("seasonal pace"), default=False,
        help_text=_("Expected pace follows last year's shares by quarter instead of a quarter each."),
    )
    previous_year = models.DecimalField(_("last year's actual"), max_digits=20, decimal_places=6, null=True, blank=True)
    # Last year's year-to-date at the end of each quarter ("cùng kỳ năm trước").
    same_period_q1 = models.DecimalField(_("same period last year: Q1"), max_digits=20, decimal_places=6, null=True, blank=True)
    same_period_q2 = models.DecimalField(_("same period last year: first half"), max_digits=20, decimal_places=6, null=True, blank=True)
    same_period_q3 = models.DecimalField(_("same period last year: nine months"), max_digits=20, decimal_places=6, null=True, blank=True)
    same_period_q4 = models.DecimalField(_("same period last year: full year"), max_digits=20, decimal_places=6, null=True, blank=True)
    baseline_source = text_field(_("source of last year's values"), limits.NOTE, blank=True)
    frequency = models.CharField(_("reporting frequency"), max_length=20, choices=Frequency.choices, default=Frequency.QUARTERLY)
    publication_month = models.PositiveSmallIntegerField(
        _("expected publication month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Yearly measures: the month of the following year in which the year's figure is published."),
    )

    # simple_history calls its rows "historical measure" in English whatever the language (the
    # admin's history pages): named here in the same words, through the catalogue.
    history = HistoricalRecords(verbose_name=_("historical measure"), verbose_name_plural=_("historical measures"))

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["campaign", "order", "code"]
        constraints = [
            # "3B" beside "3b": one measure to a reporter reading a workbook or an API user (as unit codes).
            models.UniqueConstraint(F("campaign"), Lower("code"), name="measure_code_any_case",
                                    violation_error_message=_("The programme has a measure with this code already, in this or "
                                                              "other letter case.")),
            models.CheckConstraint(
                condition=Q(target__isnull=False) | ~Q(comparison__in=["gte", "gt", "lte"]),
                name="measure_target_required",
                violation_error_message=_("A measure compared with its target (≥, > or ≤) needs the target."),
            ),
            models.CheckConstraint(condition=Q(decimal_places__lte=6), name="measure_decimal_places_max",
                                   violation_error_message=_("At most 6 decimal places.")),
            models.CheckConstraint(condition=Q(display_divisor__gt=0), name="measure_display_divisor_positive",
                                   violation_error_message=_("The display divisor is more than 0.")),
            models.CheckConstraint(
                condition=Q(publication_month__isnull=True) | (Q(publication_month__gte=1) & Q(publication_month__lte=12)),
                name="measure_publication_month_range",
                violation_error_message=_("The publication month is 1 to 12."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"

    def clean(self):
        super().clean()
        # A closed year's target, last year's values, rules…: what its ranking and signed report stand on.
        refuse_if_closed(self)

    def validate_constraints(self, exclude=None):
        # The indicator's table of measures leaves the programme off its rows: a code the programme
        # has already is said there too, not refused by the database (a server error).
        super().validate_constraints(exclude=set(exclude or ()) - {"campaign"})

    @property
    def is_qualitative(self) -> bool:
        return self.comparison == self.Comparison.QUALITATIVE

    @property
    def ytd_label(self) -> str:
        """What the measure's year to date is called: a level measure (a rate, an index) has no year
        to date, its latest figure stands (progress.evaluate); one assessed in words, its latest verdict."""
        if self.is_qualitative:
            return _("Latest assessment")
        return _("Latest figure") if self.aggregation == self.Aggregation.LEVEL else _("Actual, year to date")

    # The measure's own numbers, each a figure of the measure (its target, last year's).
    BASELINES = ("previous_year", "same_period_q1", "same_period_q2", "same_period_q3", "same_period_q4")  # last year's
    NUMBERS = ("target", *BASELINES)
    JUDGED = ("value_kind", "comparison", "aggregation")  # how figures are read, added up and judged

    def rule_problems(self) -> dict[str, list[str]]:
        from targets.entry import value_problems

        problems: dict[str, list[str]] = {}
        # How approved figures are added up and judged is what the dashboards, reports and ranking
        # of their year said: changed under them, last year's pages would say otherwise without a word.
        if self.pk is not None and Figure.objects.filter(measure_id=self.pk, submission__state=Submission.State.APPROVED).exists():
            stored = type(self).objects.filter(pk=self.pk).values(*self.JUDGED).first() or {}
            for name in (name for name in self.JUDGED if name in stored and stored[name] != getattr(self, name)):
                problems[name] = [_("The measure has approved figures: how they are added up and judged stays as it was. For "
                                    "another way, make a new measure (e.g. in next year's programme).")]
        if self.value_kind == self.ValueKind.PERCENT and self.aggregation == self.Aggregation.FLOW:
            problems.setdefault("aggregation", []).append(_("A percentage is not added up over the quarters: choose the latest "
                                                            "figure."))
        if self.indicator_id and self.campaign_id and self.indicator.campaign_id != self.campaign_id:
            problems["indicator"] = [_("This indicator belongs to another year's programme; choose one of this programme's.")]
        # Its target and last year's values are numbers of the measure: the rule for its figures
        # (a percentage 0–100, an amount not negative…) is theirs, or the dashboards judge the
        # figures against a typo (a target of 600 %, of −2.460 billion).
        for name in self.NUMBERS:
            value = getattr(self, name)
            if value is not None:
                problems[name] = value_problems(self, value, language())
        # Shown divided (by a million) under its own unit, a figure would read a million times off.
        if self.display_divisor is not None and self.display_divisor != 1:
            if not self.display_unit.strip():
                problems["display_unit"] = [_("Figures are shown divided by the display divisor: name the unit they are then in "
                                              "(e.g. “triệu lượt khách” for a divisor of 1,000,000).")]
            if not self.display_unit_en.strip() and (self.unit_en.strip() or self.name_en.strip()):
                problems["display_unit_en"] = [_("The measure has English labels: name the English display unit too "
                                                 "(e.g. “million arrivals”).")]
        # Assessed in words or in numbers, all through: a "≥ 5" target on a verdict, or a verdict
        # asked for a number, is judged by nothing the pages could explain.
        if self.is_qualitative != (self.value_kind == self.ValueKind.TEXT):
            problems.setdefault("value_kind", []).append(_("A measure assessed in words takes the kind “assessment in words”, and "
                                                           "only it does."))
        if self.is_qualitative and self.target is not None:
            problems.setdefault("target", []).append(_("A measure assessed in words has no target figure: leave it empty."))
        # A verdict in words has no figure to judge a pledge by (scoring.pledge_spec).
        if self.is_qualitative and self.pk is not None:
            pledged = self.pledges.count()
            if pledged:
                problems["comparison"] = [_("Units have signed %(count)s emulation pledges for this measure. A measure assessed "
                                            "in words takes no pledged figure: remove those pledges first.") % {"count": pledged}]
        return problems

    def same_period(self) -> dict[int, Decimal]:
        values = (self.same_period_q1, self.same_period_q2, self.same_period_q3, self.same_period_q4)
        return {q: v for q, v in enumerate(values, start=1) if v is not None}

    def spec(self) -> progress.MeasureSpec:
        """The engine's view of this measure (no ORM beyond this point)."""
        return progress.MeasureSpec(
            code=self.code,
            comparison=progress.Comparison(self.comparison),
            aggregation=progress.Aggregation(self.aggregation),
            target=self.target,
            decimal_places=self.decimal_places,
            unit_vi=self.unit,
            unit_en=self.unit_en or self.unit,
            previous_year=self.previous_year,
            same_period=self.same_period(),
            seasonal=self.seasonal,
            display_divisor=self.display_divisor,
            display_unit_vi=self.display_unit,
            display_unit_en=self.display_unit_en or self.display_unit,
            frequency=progress.Frequency(self.frequency),
            # Only yearly measures name a month; the year is the programme's next one.
            publication=(self.publication_month, self.campaign.year + 1) if self.publication_month else None,
        )


class MeasureAssignment(models.Model):
    """Which units report a measure: one lead unit gives the province figure, others a breakdown."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit (province figure)")
        BREAKDOWN = "breakdown", _("Own breakdown")

    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("reporting assignment")
        verbose_name_plural = _("reporting assignments")
        ordering = ["measure", "role", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "unit"], name="assignment_unique",
                                    violation_error_message=_("This unit reports this measure already.")),
            models.UniqueConstraint(fields=["measure"], condition=Q(role="lead"), name="assignment_one_lead",
                                    violation_error_message=_("A measure has one lead unit (it gives the province's figure).")),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} – {self.unit.code} ({self.get_role_display()})"

    def clean(self):
        super().clean()
        refuse_if_closed(self, "measure__campaign")
        # Said of a unit given the measure here (a new row, or another unit or measure): a row
        # stored before, saved unchanged with its page, is not refused for it.
        stored = MeasureAssignment.objects.filter(pk=self.pk).values_list("unit_id", "measure_id").first() if self.pk else None
        if (self.unit_id and self.measure_id and stored != (self.unit_id, self.measure_id)
                and (problem := self.unit.not_in_year_problem(self.measure.campaign.year))):
            raise ValidationError({"unit": problem})

    def removal_problem(self) -> str | None:
        """Why the unit cannot stop reporting the measure: its figures or pledge would vanish from
        the entry and indicator pages, yet stay in its reports, exports and score."""
        quarters = sorted(set(Figure.objects.filter(measure_id=self.measure_id, submission__unit_id=self.unit_id)
                              .values_list("submission__quarter", flat=True)))
        pledged = Pledge.objects.filter(measure_id=self.measure_id, unit_id=self.unit_id).exists()
        if not quarters and not pledged:
            return None
        held = [_("figures of %(quarters)s") % {"quarters": ", ".join(str(progress.QUARTER_NAMES[q]) for q in quarters)}] if quarters else []
        held += [_("an emulation pledge")] if pledged else []
        return _("%(unit)s has %(held)s for measure %(measure)s: it stays among the measure's reporting units. Delete "
                 "those first, or keep the unit.") % {"unit": self.unit.name, "held": "; ".join(str(h) for h in held),
                                                                     "measure": self.measure.code}


class Deadline(Rules, models.Model):
    """The entry deadline of a quarter: the campaign's (unit empty) or a unit's extension."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="deadlines")
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=QUARTERS)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines")
    due_on = models.DateField(_("due on"))

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["campaign", "quarter", "unit"]
        constraints = [
            models.CheckConstraint(condition=QUARTER_RANGE, name="deadline_quarter_range",
                                   violation_error_message=_("The quarter is 1 to 4.")),
            models.UniqueConstraint(fields=["campaign", "quarter"], condition=Q(unit__isnull=True), name="deadline_campaign_unique",
                                   violation_error_message=_("This quarter has a deadline for the whole programme already; change that one.")),
            models.UniqueConstraint(fields=["campaign", "quarter", "unit"], condition=Q(unit__isnull=False), name="deadline_unit_unique",
                                   violation_error_message=_("This unit has a deadline for this quarter already; change that one.")),
        ]

    def __str__(self) -> str:
        # As the admin's messages name it, in the page's words and date order: "2025 · quý I · 31/03/2025".
        unit = f" · {self.unit.code}" if self.unit_id else ""
        return f"{self.campaign.year} · {progress.quarter_label(self.quarter)} · {self.due_on:%d/%m/%Y}{unit}"

    # A quarter's entry may close in its last month, with estimates for the days left (Decree
    # 09/2019/NĐ-CP closes a quarter's figures on the 14th of that month), not before: an earlier
    # date (often a year typed wrong) closes the quarter before it is reported and makes every
    # unit late. Nor later than two years after the programme's year: yearly figures (PCI, PAPI)
    # come the next year, and a date beyond is a typo that keeps the quarter open for good.
    YEARS_AFTER = 2

    def clean(self):
        super().clean()
        refuse_if_closed(self)

    def allowed_dates(self) -> tuple[datetime.date, datetime.date]:
        year = self.campaign.year
        return datetime.date(year, self.quarter * 3, 1), datetime.date(year + self.YEARS_AFTER, 12, 31)

    def rule_problems(self) -> dict[str, list[str]]:
        if self.campaign_id is None or self.quarter not in (1, 2, 3, 4) or self.due_on is None:
            return {}
        problems: dict[str, list[str]] = {}
        first, last = self.allowed_dates()
        if not first <= self.due_on <= last:
            problems["due_on"] = [_("The deadline of %(quarter)s %(year)s must fall between %(first)s (the quarter's last month) "
                                    "and %(last)s.") % {"quarter": progress.QUARTER_NAMES[self.quarter], "year": self.campaign.year,
                                                        "first": first.strftime("%d/%m/%Y"), "last": last.strftime("%d/%m/%Y")}]
        if self.unit_id is not None:
            problems.update(self._extension_problems())
        return problems

    def _extension_problems(self) -> dict[str, list[str]]:
        """A unit's deadline extends the programme's: an earlier one shuts the unit out before everyone
        else, and one for a unit that reports nothing in the programme changes nothing (a unit picked wrong)."""
        problems: dict[str, list[str]] = {}
        programme_due = (Deadline.objects.filter(campaign_id=self.campaign_id, quarter=self.quarter, unit__isnull=True)
                         .values_list("due_on", flat=True).first() or self.campaign.default_deadline(self.quarter))
        if self.due_on < programme_due:
            problems["due_on"] = [_("A unit's deadline extends the programme's (%(date)s); it cannot be earlier.") % {
                "date": programme_due.strftime("%d/%m/%Y")}]
        reports = (MeasureAssignment.objects.filter(measure__campaign_id=self.campaign_id, unit_id=self.unit_id).exists()
                   or Task.responsible_units.through.objects.filter(task__theme__campaign_id=self.campaign_id,
                                                                    unit_id=self.unit_id).exists())
        if not reports:
            problems["unit"] = [_("%(unit)s reports nothing in this programme: a deadline of its own would change nothing.")
                                % {"unit": self.unit.name}]
        return problems


class Reminder(models.Model):
    """A reminder e-mailed to a late unit: so that two secretaries (or a double click) do not send
    the same letters twice in a day, and the queue says when the last ones went."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="reminders")
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=QUARTERS)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [models.Index(fields=["campaign", "quarter", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.unit.code} · {self.campaign.year} · {progress.quarter_label(self.quarter)} · {timezone.localtime(self.sent_at):%d/%m/%Y %H:%M}"


class UploadPreview(models.Model):
    """An uploaded workbook waiting for its uploader to confirm the preview: kept in the database,
    so that any app server behind the load balancer can confirm it (a file on the disk of the one
    that took the upload could be confirmed there only)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    name = char_field(_("file name"), 255)
    content = models.BinaryField(_("workbook"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("upload preview")
        verbose_name_plural = _("upload previews")

    def __str__(self) -> str:
        return f"{self.user_id} {self.name} {self.created_at:%Y-%m-%d %H:%M}"


class Submission(models.Model):
    """One unit's quarterly report: the figures it holds move through the review workflow together."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    # What the dashboards count: a unit's draft or returned figures are still its own business.
    VISIBLE_STATES = (State.SUBMITTED, State.APPROVED)

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="submissions")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="submissions")
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=QUARTERS)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # When it was first sent: a report sent by its deadline stays on time when the secretariat
    # returns it, or an admin reopens it, for a correction (targets/timeliness.py); unless the
    # secretariat returns it as not counted as sent (workflow.return_for_correction), which empties
    # this, so that its next sending decides.
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = text_field(_("reviewer's comment"), limits.COMMENT, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(verbose_name=_("historical quarterly report"), verbose_name_plural=_("historical quarterly reports"))

    class Meta:
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        ordering = ["campaign", "quarter", "unit"]
        constraints = [
            models.CheckConstraint(condition=QUARTER_RANGE, name="submission_quarter_range",
                                   violation_error_message=_("The quarter is 1 to 4.")),
            models.UniqueConstraint(fields=["campaign", "unit", "quarter"], name="submission_unique"),
        ]
        indexes = [models.Index(fields=["campaign", "quarter", "state"], name="submission_period_state")]

    def __str__(self) -> str:
        return f"{self.unit.code} · {self.campaign.year} · {progress.quarter_label(self.quarter)} ({self.get_state_display()})"

    def save(self, *args, **kwargs):
        # Whoever sends it (page, command, admin, test data). Not when a report returned as not
        # counted as sent (or its correction, a draft again) is saved: the sending it holds does not count.
        sent = self.state in self.VISIBLE_STATES or self._state.adding
        if self.first_submitted_at is None and self.submitted_at is not None and sent:
            self.first_submitted_at = self.submitted_at
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "first_submitted_at"}
        super().save(*args, **kwargs)

    @property
    def sent_back(self) -> bool:
        """Returned (or reopened) for correction and not sent again yet: saving a correction turns
        the report back into a draft, which stays open because it was sent once already."""
        return self.state == self.State.RETURNED or (self.state == self.State.DRAFT and self.submitted_at is not None)

    @property
    def shown_state(self) -> str:
        """The report's state as every page says it (the review queue, the report page, the entry
        page, the unit's page, the late page): a correction saved after a return (or a reopening)
        is a draft again (workflow.save_figures), yet still with the unit to be corrected and sent
        again, which the secretariat reads from the queue; a draft never sent is just a draft."""
        if self.state == self.State.DRAFT and self.sent_back:
            return _("Draft · returned for correction")
        return self.get_state_display()

    @property
    def earlier_sending_counts(self) -> bool:
        """A sending before the one it holds counts (it was returned without "not counted as sent"):
        whatever becomes of this one, the report is on time or late by that one (timeliness.py)."""
        return self.first_submitted_at is not None and self.submitted_at is not None and self.first_submitted_at < self.submitted_at

    @property
    def not_counted_as_sent(self) -> bool:
        """Returned as not counted as sent (workflow.return_for_correction) and not sent again: the
        sending it still holds is no sending, as the late list and the ranking have it."""
        return self.sent_back and self.first_submitted_at is None

    @property
    def comment_label(self) -> str:
        """What the reviewer's comment is to the unit: the one to act on now, or the last one kept for the record."""
        return _("Reviewer's comment") if self.sent_back else _("Comment when it was last returned")


class FigureQuerySet(models.QuerySet):
    def province(self, campaign: Campaign, upto_quarter: int, states=Submission.VISIBLE_STATES) -> FigureQuerySet:
        """The lead units' figures (the province figure of each measure) for quarters 1..q."""
        return self.filter(
            submission__campaign=campaign,
            submission__quarter__lte=upto_quarter,
            submission__state__in=states,
            measure__assignments__role=MeasureAssignment.Role.LEAD,
            measure__assignments__unit=F("submission__unit"),
        ).select_related("submission")


class Figure(models.Model):
    """One unit's figure (or qualitative verdict) for one measure and one quarter."""

    class Kind(models.TextChoices):
        ESTIMATE = "estimate", _("Estimate")
        OFFICIAL = "official", _("Official")

    submission = models.ForeignKey(Submission, verbose_name=_("quarterly report"), on_delete=models.CASCADE, related_name="figures")
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="figures")
    # What the unit reported, exactly: the quarter's own amount (value), the year-to-date
    # ("lũy kế từ đầu năm", flows only), or both. The other is derived, never stored.
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6, null=True, blank=True)
    cumulative = models.DecimalField(_("year to date"), max_digits=20, decimal_places=6, null=True, blank=True)
    verdict = models.CharField(_("assessment"), max_length=20, blank=True, choices=Verdict.choices)
    narrative = text_field(_("narrative"), limits.COMMENT, blank=True)
    note = text_field(_("note"), limits.NOTE, blank=True)
    source = char_field(_("source"), limits.SHORT, blank=True)
    # The reporter's reason for the last change, kept whole in the history (its reason column holds 100 characters).
    reason = text_field(_("reason for the change"), limits.NOTE, blank=True)
    kind = models.CharField(_("kind of figure"), max_length=20, choices=Kind.choices, default=Kind.OFFICIAL)
    # When an official figure replaces an estimate, the estimate stays visible beside it, as it
    # was reported: the quarter's own amount, the year to date (the one the dashboards judged), or both.
    estimate_value = models.DecimalField(_("earlier estimate"), max_digits=20, decimal_places=6, null=True, blank=True)
    estimate_cumulative = models.DecimalField(_("earlier estimate, year to date"), max_digits=20, decimal_places=6, null=True,
                                              blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)
    on_behalf = models.BooleanField(_("entered by the secretariat on the unit's behalf"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = FigureQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical figure"), verbose_name_plural=_("historical figures"))

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["submission", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "measure"], name="figure_unique"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(cumulative__isnull=False) | ~Q(verdict=""), name="figure_has_value_or_verdict",
                violation_error_message=_("A figure has a value, a year-to-date figure or an assessment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} / {self.submission}"

    @property
    def replaced_an_estimate(self) -> bool:
        return self.estimate_value is not None or self.estimate_cumulative is not None

    def earlier_estimate(self, places: int, lang: str | None = None) -> str:
        """The estimate an official figure replaced, as it was reported, every digit: "600,0",
        "lũy kế 1.900,0", or both ("600,0; lũy kế 1.900,0")."""
        from django.utils.translation import override

        from targets.language import language
        from targets.numbers import format_exact

        lang = language(lang)
        parts = [format_exact(self.estimate_value, places, lang)] if self.estimate_value is not None else []
        if self.estimate_cumulative is not None:
            with override(lang):
                parts.append(_("year to date %(value)s") % {"value": format_exact(self.estimate_cumulative, places, lang)})
        return "; ".join(parts)


class TaskReport(models.Model):
    """A unit's words on a theme task for a quarter (themes 2–6)."""

    submission = models.ForeignKey(Submission, verbose_name=_("quarterly report"), on_delete=models.CASCADE, related_name="task_reports")
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="reports")
    verdict = models.CharField(_("assessment"), max_length=20, blank=True, choices=Verdict.choices)
    narrative = text_field(_("narrative"), limits.COMMENT)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)
    # As for figures: a save against a page someone else changed meanwhile is refused.
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(verbose_name=_("historical task report"), verbose_name_plural=_("historical task reports"))

    class Meta:
        verbose_name = _("task report")
        verbose_name_plural = _("task reports")
        constraints = [models.UniqueConstraint(fields=["submission", "task"], name="task_report_unique")]

    def __str__(self) -> str:
        return f"{self.task} / {self.submission}"


def token_expiry() -> datetime.datetime:
    """A new API token's default expiry: a year from now."""
    return timezone.now() + ApiToken.LIFETIME


class ApiToken(models.Model):
    """A personal token for the read-only API; only its hash is stored. It expires (a year by
    default, the user may choose), so a key copied into a forgotten script stops working by itself."""

    LIFETIME = datetime.timedelta(days=365)
    # The time of last use is for the owner to spot an unused or leaked token; to the hour is
    # enough, and writing it on every call would turn each API read into a write.
    USE_PRECISION = datetime.timedelta(hours=1)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = char_field(_("name"), limits.NAME, blank=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), default=token_expiry)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} – {self.name or self.pk}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str = "", expires_at: datetime.datetime | None = None) -> tuple[ApiToken, str]:
        """Create a token; the plain key is returned once and never stored."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash_key(key), expires_at=expires_at or token_expiry())
        return token, key

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def record_use(self, now: datetime.datetime | None = None) -> None:
        """Note the time of use, at most once per USE_PRECISION (one conditional UPDATE, so parallel
        calls write it once too)."""
        now = now or timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= self.USE_PRECISION:
            ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - self.USE_PRECISION),
                                    pk=self.pk).update(last_used_at=now)


# --- the emulation: pledges, registration, scoring, proposals (DESIGN.md) -----------------------


class ScoringScheme(models.Model):
    """A campaign's scoring scheme as data (see targets.scoring.Scheme for its keys), and whether
    the year is closed: until then every ranking of the campaign is provisional. Closing it keeps
    the final ranking as it stands (`final_ranking`), so nothing changed afterwards can move it."""

    campaign = models.OneToOneField(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="scoring_scheme")
    data = models.JSONField(_("scheme"), default=dict)
    ranking_final_at = models.DateTimeField(_("year closed at"), null=True, blank=True)
    ranking_final_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("year closed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    final_ranking = models.JSONField(_("final ranking"), null=True, blank=True, editable=False)

    history = HistoricalRecords(verbose_name=_("historical scoring scheme"), verbose_name_plural=_("historical scoring schemes"))

    class Meta:
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")

    def __str__(self) -> str:
        return f"{self.campaign.year}"

    @property
    def is_final(self) -> bool:
        return self.ranking_final_at is not None

    def scheme(self):
        from targets import scoring

        # Read as it was saved: a scheme saved before the stricter checks of clean() still ranks.
        return scoring.Scheme.from_dict(self.data, strict=False)

    def clean(self):
        from targets import scoring

        refuse_if_closed(self)
        codes = Measure.objects.filter(campaign_id=self.campaign_id).values_list("code", flat=True) if self.campaign_id else None
        try:
            scheme = scoring.Scheme.from_dict(self.data, measure_codes=codes)
        except scoring.SchemeError as problem:
            raise ValidationError({"data": problem.messages()}) from None
        if self.campaign_id is not None:
            # What the scheme's form cannot know: the programme's year, and which measures can be pledged.
            problems = []
            until, (first, last) = scheme.registration_until, registration_span(self.campaign.year)
            if until is not None and not first <= until <= last:  # else registration would close before any day it is made
                problems.append(_("registration_until: %(date)s is not between %(first)s and %(last)s, when units register for "
                                  "the %(year)s emulation.") % {"date": until.strftime("%d/%m/%Y"), "first": first.strftime("%d/%m/%Y"),
                                                                 "last": last.strftime("%d/%m/%Y"), "year": self.campaign.year})
            words = sorted(Measure.objects.filter(campaign_id=self.campaign_id, code__in=scheme.key_measures,
                                                  comparison=Measure.Comparison.QUALITATIVE).values_list("code", flat=True))
            if words:
                problems.append(_("key_measures: %(codes)s are assessed in words and never pledged, so they could never bar "
                                  "a unit; name measures with figures.") % {"codes": ", ".join(words)})
            if problems:
                raise ValidationError({"data": problems})


class Pledge(Rules, models.Model):
    """A unit's own target for a measure it reports, signed with the provincial Chairman."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="pledges")
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="pledges")
    target = models.DecimalField(_("pledged target"), max_digits=20, decimal_places=6)
    signed_on = models.DateField(_("signed on"))
    document = char_field(_("document"), 200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    history = HistoricalRecords(verbose_name=_("historical emulation pledge"), verbose_name_plural=_("historical emulation pledges"))

    class Meta:
        verbose_name = _("emulation pledge")
        verbose_name_plural = _("emulation pledges")
        ordering = ["unit", "measure"]
        constraints = [models.UniqueConstraint(fields=["unit", "measure"], name="pledge_unique")]

    def __str__(self) -> str:
        return f"{self.unit.code} – {self.measure.code}: {format_exact(self.target, 0, language())}"

    def spec(self) -> progress.MeasureSpec:
        from targets.scoring import pledge_spec

        return pledge_spec(self.measure.spec(), self.target)

    def clean(self):
        super().clean()
        refuse_if_closed(self, "measure__campaign")

    @staticmethod
    def signed_on_problem(year: int, signed_on: datetime.date) -> str | None:
        """A pledge is signed at the start of its year, or at the end of the year before; not later than today."""
        if datetime.date(year - 1, 1, 1) <= signed_on <= min(datetime.date(year, 12, 31), timezone.localdate()):
            return None
        return _("The signing date must be in %(last)s or %(year)s, and not after today.") % {"last": year - 1, "year": year}

    # Comparisons a pledge is judged on as "at least" (scoring.pledge_spec): a pledge of 0 or less
    # there commits the unit to nothing (any figure reaches it, scoring "exceeded"), and the share of
    # the pledge reached (its percent) is the figure divided by the pledge. A ceiling ("at most
    # 0 accidents", lower than last year) pledged at 0 is a real commitment and stays valid.
    AT_LEAST = ("gte", "gt", "increase")

    @classmethod
    def commitment_problem(cls, measure: Measure, target: Decimal | None) -> str | None:
        """Why `target` is no commitment for `measure` (None when it is one). One rule for the admin
        (rule_problems), the pledge workbook and its import command (targets.pledge_xlsx)."""
        if target is None or measure.comparison not in cls.AT_LEAST or target > 0:
            return None
        name = (language() == "en" and measure.name_en) or measure.name
        return _("Measure %(measure)s “%(name)s” is pledged as a figure to reach at least: a pledge of %(target)s commits the "
                 "unit to nothing (any figure reaches it) and no share of it can be reckoned. Enter the figure the unit "
                 "pledged, more than 0.") % {"measure": measure.code, "name": name, "target": format_exact(target, 0, language())}

    def rule_problems(self) -> dict[str, list[str]]:
        from targets.entry import value_problems

        if self.measure_id is None:
            return {}
        problems: dict[str, list[str]] = {}
        if self.signed_on is not None and (problem := self.signed_on_problem(self.measure.campaign.year, self.signed_on)):
            problems["signed_on"] = [problem]
        # As in the pledge workbook (pledge_xlsx): a unit pledges only what it reports, a verdict in
        # words has no figure to pledge, and a pledged figure obeys the rule for the measure's figures.
        if self.unit_id is not None and not self.measure.assignments.filter(unit_id=self.unit_id).exists():
            problems["measure"] = [_("%(unit)s does not report measure %(measure)s: it has no figure of it to pledge.")
                                   % {"unit": self.unit.code, "measure": self.measure.code}]
        elif self.measure.is_qualitative:
            problems["measure"] = [_("Measure %(measure)s is assessed in words: it takes no pledged figure.")
                                   % {"measure": self.measure.code}]
        elif self.target is not None:
            problems["target"] = value_problems(self.measure, self.target, language())
            if not problems["target"] and (problem := self.commitment_problem(self.measure, self.target)):
                problems["target"] = [problem]
        return problems


def registration_span(year: int) -> tuple[datetime.date, datetime.date]:
    """The days units register for the `year` emulation on: at the start of the year, sometimes in
    late December of the year before (a registration's day, the scheme's registration deadline)."""
    return datetime.date(year - 1, 12, 1), datetime.date(year, 12, 31)


class Registration(Rules, models.Model):
    """A unit's registration for an emulation title of the year (a code of the scheme's titles)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="registrations")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="registrations")
    title = char_field(_("title"), 50)
    registered_on = models.DateField(_("registered on"), default=datetime.date.today)
    note = char_field(_("note"), limits.SHORT, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    history = HistoricalRecords(verbose_name=_("historical registration"), verbose_name_plural=_("historical registrations"))

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["campaign", "unit", "title"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit", "title"], name="registration_unique")]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.campaign.year}: {self.title}"

    @staticmethod
    def title_problem(campaign: Campaign, title: str) -> str | None:
        """A registration is for a title of the programme's scoring scheme: one rule for the
        registrations page (targets.commendation.set_registration) and the admin (clean())."""
        record = ScoringScheme.objects.filter(campaign=campaign).first()
        if record is None:
            return _("The %(year)s programme has no scoring scheme.") % {"year": campaign.year}
        scheme = record.scheme()
        if scheme.title(title) is None:  # another year's title, or none: the year's own are named
            return _("This is not a title of the %(year)s programme, whose titles are: %(titles)s.") % {
                "year": campaign.year, "titles": ", ".join(t.label(None) for t in scheme.titles) or "–"}
        return None

    @staticmethod
    def date_problem(campaign: Campaign, date: datetime.date | None, today: datetime.date | None = None) -> str | None:
        """Units register at the start of the programme's year, sometimes in late December of the
        year before: a registration is dated from 1 December of the year before to 31 December of
        the programme's year, and is entered once it was made: a date to come, or out of that span,
        is a mistyped one. No date: entered as registered today (the registrations page), which must
        be such a day too. One rule for the registrations page, set_registration and the admin."""
        today = today or timezone.localdate()
        first, last = registration_span(campaign.year)
        span = {"first": first.strftime("%d/%m/%Y"), "last": last.strftime("%d/%m/%Y"), "year": campaign.year}
        if date is None:
            if first <= today <= last:
                return None
            return _("Type the day the unit registered: today (%(today)s) is not between %(first)s and %(last)s, when units "
                     "register for the %(year)s emulation.") % {"today": today.strftime("%d/%m/%Y"), **span}
        if date > today:
            return _("%(date)s is after today (%(today)s): enter the date the unit registered.") % {
                "date": date.strftime("%d/%m/%Y"), "today": today.strftime("%d/%m/%Y")}
        if not first <= date <= last:
            return _("%(date)s is not between %(first)s and %(last)s, when units register for the %(year)s emulation.") % {
                "date": date.strftime("%d/%m/%Y"), **span}
        return None

    def date_to_judge(self) -> bool:
        """Whether the date rule (date_problem) is to be judged on this save: for a new row, or when
        its day or programme is set or changed. A row stored before the rule (dated the day it was
        entered, in a later year) keeps its day when only its note or title is edited: refusing the
        day nobody touched would leave the row with no edit at all."""
        if self.pk is None:
            return True
        stored = Registration.objects.filter(pk=self.pk).values_list("campaign_id", "registered_on").first()
        return stored != (self.campaign_id, self.registered_on)

    def rule_problems(self) -> dict[str, list[str]]:
        # Checked with the fields (Rules): a date mistyped is said once, not also judged as the default day.
        if (self.campaign_id and self.registered_on and self.date_to_judge()
                and (problem := self.date_problem(self.campaign, self.registered_on))):
            return {"registered_on": [problem]}
        return {}

    def clean(self):
        refuse_if_closed(self)
        if self.campaign_id and self.title and (problem := self.title_problem(self.campaign, self.title)):
            raise ValidationError({"title": problem})


class BlocMembership(models.Model):
    """A unit's membership of a bloc for part of a year. Without any row for the year, a unit
    belongs to its current bloc (Unit.bloc) for the whole year; with rows, they say where it was."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="bloc_memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="bloc_memberships")
    bloc = models.ForeignKey(EmulationBloc, verbose_name=_("emulation bloc"), on_delete=models.CASCADE, related_name="memberships")
    from_quarter = models.PositiveSmallIntegerField(_("from quarter"), choices=QUARTERS, default=1)
    to_quarter = models.PositiveSmallIntegerField(_("to quarter"), choices=QUARTERS, default=4)

    history = HistoricalRecords(verbose_name=_("historical bloc membership"), verbose_name_plural=_("historical bloc memberships"))

    class Meta:
        verbose_name = _("bloc membership")
        verbose_name_plural = _("bloc memberships")
        ordering = ["campaign", "unit", "from_quarter"]
        constraints = [
            models.CheckConstraint(condition=Q(from_quarter__gte=1) & Q(to_quarter__lte=4) & Q(from_quarter__lte=F("to_quarter")),
                                   name="bloc_membership_quarters",
                                   violation_error_message=_("The quarters run from 1 to 4, the last not before the first.")),
            models.UniqueConstraint(fields=["campaign", "unit", "bloc"], name="bloc_membership_unique"),
        ]

    def __str__(self) -> str:
        return (f"{self.unit.code} · {self.campaign.year} · {self.bloc.code} · "
                f"{progress.quarter_label(self.from_quarter)}–{progress.quarter_label(self.to_quarter)}")

    def clean(self):
        """A unit is in one bloc at a time: its memberships of a year do not share a quarter, or the
        ranking would rank it in two blocs (targets.ranking.members). The quarters' order is the
        database's check too; said here beside the last quarter's field."""
        refuse_if_closed(self)
        if self.from_quarter and self.to_quarter and self.from_quarter > self.to_quarter:
            raise ValidationError({"to_quarter": _("The last quarter cannot come before the first quarter.")})
        if not (self.campaign_id and self.unit_id and self.from_quarter and self.to_quarter):
            return
        overlapping = (BlocMembership.objects.filter(campaign_id=self.campaign_id, unit_id=self.unit_id,
                                                      from_quarter__lte=self.to_quarter, to_quarter__gte=self.from_quarter)
                       .exclude(pk=self.pk).select_related("bloc").order_by("from_quarter").first())
        if overlapping is not None:
            raise ValidationError(_(
                "This unit is already in the bloc %(bloc)s from %(start)s to %(end)s of this year, and a unit is in one "
                "bloc at a time: first end that membership (its last quarter) before this one starts."
            ) % {"bloc": overlapping.bloc.code, "start": dict(QUARTERS)[overlapping.from_quarter],
                 "end": dict(QUARTERS)[overlapping.to_quarter]})


class ScoreAdjustment(models.Model):
    """A bonus or a deduction entered by the secretariat, with its reason and evidence."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("Bonus")
        DEDUCTION = "deduction", _("Deduction")

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="score_adjustments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="score_adjustments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    reason = char_field(_("reason"), limits.SHORT)
    evidence = char_field(_("evidence"), limits.SHORT, blank=True)
    bars_flag = models.BooleanField(_("bars the flag"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historical bonus or deduction"), verbose_name_plural=_("historical bonuses and deductions"))

    class Meta:
        verbose_name = _("bonus or deduction")
        verbose_name_plural = _("bonuses and deductions")
        ordering = ["campaign", "unit", "pk"]
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="score_adjustment_points_positive",
                                   violation_error_message=_("The points are more than 0."))]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.get_kind_display()} {self.points}: {self.reason}"

    @property
    def signed_points(self) -> Decimal:
        return self.points if self.kind == self.Kind.BONUS else -self.points

    # The rules of a bonus or deduction, one place for the secretariat's page
    # (targets.emulation_forms.AdjustmentForm) and the admin (clean()).
    MAX_POINTS = Decimal(100)

    @classmethod
    def points_problem(cls, points: Decimal) -> str | None:
        if not (0 < points <= cls.MAX_POINTS) or -points.as_tuple().exponent > 2:
            return _("Points must be more than 0 and at most 100, with at most two decimals.")
        return None

    @classmethod
    def evidence_problem(cls, evidence: str) -> str | None:
        # The council checks each bonus and deduction against the document it rests on.
        if not (evidence or "").strip():
            return _("Give the document it rests on (number and date): the council checks each bonus and deduction against it.")
        return None

    @classmethod
    def bars_flag_problem(cls, kind: str, bars_flag: bool) -> str | None:
        if bars_flag and kind == cls.Kind.BONUS:
            return _("Only a deduction for a fault bars the unit from the flag.")
        return None

    @staticmethod
    def reason_key(reason: str) -> str:
        """A reason as compared for "the same reason": Unicode NFC (a Vietnamese letter typed
        composed or not), case folded, its spaces collapsed."""
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", reason or "").casefold())
        return " ".join(folded.split())

    @classmethod
    def duplicate_problem(cls, campaign_id, unit, kind: str, reason: str, exclude_pk=None) -> str | None:
        """A unit's bonus (or deduction) for a reason it already has one for, whatever the case and
        the spaces: the same points counted twice (a form sent twice, or the reason typed again).
        One rule for the secretariat's page (targets.commendation.add_adjustment) and the admin (clean())."""
        if not (campaign_id and unit is not None and kind and reason):
            return None
        key = cls.reason_key(reason)
        others = cls.objects.filter(campaign_id=campaign_id, unit=unit, kind=kind).exclude(pk=exclude_pk).values_list("reason", flat=True)
        if any(cls.reason_key(other) == key for other in others):
            return _("%(unit)s already has a %(kind)s for this reason; nothing was added. If it is another one, say "
                     "how in its reason.") % {"unit": unit.name, "kind": cls.Kind(kind).label.lower()}
        return None

    def clean(self):
        refuse_if_closed(self)
        errors = {}
        if self.points is not None and (problem := self.points_problem(self.points)):
            errors["points"] = problem
        if problem := self.bars_flag_problem(self.kind, self.bars_flag):
            errors["bars_flag"] = problem
        if problem := self.evidence_problem(self.evidence):
            errors["evidence"] = problem
        if self.unit_id and (problem := self.duplicate_problem(self.campaign_id, self.unit, self.kind, self.reason, self.pk)):
            errors["reason"] = problem
        if self.unit_id and "points" not in errors and (
                problem := self.bonus_cap_problem(self.campaign_id, self.unit, self.kind, self.points, self.pk)):
            errors["points"] = problem
        if errors:
            raise ValidationError(errors)

    @classmethod
    def bonus_cap_problem(cls, campaign_id, unit, kind: str, points: Decimal | None, exclude_pk=None) -> str | None:
        """A bonus that would take the unit's bonuses over the most its scheme allows (bonus_max): a
        10 typed as 100 would otherwise decide the ranking. One rule for the secretariat's page
        (targets.commendation.add_adjustment, under the scheme's lock) and the admin (clean())."""
        if kind != cls.Kind.BONUS or points is None or not (campaign_id and unit is not None):
            return None
        record = ScoringScheme.objects.filter(campaign_id=campaign_id).first()
        most = record.scheme().bonus_max if record is not None else None
        if most is None:
            return None
        earlier = cls.objects.filter(campaign_id=campaign_id, unit=unit, kind=kind).exclude(pk=exclude_pk).aggregate(
            total=models.Sum("points"))["total"] or Decimal(0)
        if earlier + points <= most:
            return None
        lang = language()
        return _("%(unit)s's bonuses would add up to %(total)s points, over the most the scheme allows a unit, %(most)s: "
                 "nothing was added. Check the points, or the scheme.") % {
            "unit": unit.name, "total": format_exact(earlier + points, 0, lang), "most": format_exact(most, 0, lang)}


class Proposal(models.Model):
    """A commendation proposal drafted from the final ranking, edited with reasons, decided by the council."""

    class Kind(models.TextChoices):
        FLAG = "flag", _("Provincial emulation flag")
        CERTIFICATE = "certificate", _("Certificate of merit")

    class State(models.TextChoices):
        # An official document calls a draft proposal "Dự thảo", not a report's "Nháp".
        DRAFT = "draft", pgettext_lazy("proposal", "Draft")
        PROPOSED = "proposed", _("Proposed to the council")
        AWARDED = "awarded", _("Awarded")
        NOT_AWARDED = "not_awarded", _("Not awarded")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    campaign = models.ForeignKey(Campaign, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="proposals")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = text_field(_("reason"), limits.NOTE)
    # The drafted reason in English, for the English documents; cleared when the secretariat
    # rewrites the reason, whose own words then stand in both (commendation.update_proposal).
    reason_en = text_field(_("reason (English)"), limits.NOTE, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=9, decimal_places=2, null=True, blank=True)
    decision_number = char_field(_("decision number"), 50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decided_by = char_field(_("signed by"), 200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(verbose_name=_("historical commendation proposal"), verbose_name_plural=_("historical commendation proposals"))

    class Meta:
        verbose_name = _("commendation proposal")
        verbose_name_plural = _("commendation proposals")
        ordering = ["campaign", "kind", "rank", "unit"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit", "kind"], name="proposal_unique")]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.campaign.year}: {self.get_kind_display()} ({self.get_state_display()})"

    # The rules of a proposal, one place for the proposals page (targets.emulation_forms.ProposalForm)
    # and the admin (clean()).
    DECIDED = (State.AWARDED, State.NOT_AWARDED)
    DECISION_FIELDS = ("decision_number", "decision_date", "decided_by")

    @staticmethod
    def decision_date_problem(date: datetime.date | None, year: int | None) -> str | None:
        """The council decides on the year's emulation once the year is over (proposals come from the
        final ranking, which is closed after the year: ranking.year_over), and not in the future."""
        if date and year and not (datetime.date(year + 1, 1, 1) <= date <= timezone.localdate()):
            return _("The decision on the %(year)s emulation is dated from 01/01/%(next)s, after the year it judges, to today.") % {
                "year": year, "next": year + 1}
        return None

    @classmethod
    def decision_gaps(cls, state: str, values) -> dict[str, str]:
        """field → problem: a decided proposal needs the decision's number, date and signatory, and
        one not decided has none (it would be dropped without a word)."""
        if state not in cls.DECIDED:
            return {name: _("Only a decided proposal (awarded or not) carries the council's decision: choose that state, or "
                            "leave this empty.") for name in cls.DECISION_FIELDS if values.get(name)}
        return {name: _("The council's decision needs its number, date and signatory.")
                for name in cls.DECISION_FIELDS if not values.get(name)}

    def clean(self):
        errors: dict[str, list] = {}
        year = self.campaign.year if self.campaign_id else None
        if problem := self.decision_date_problem(self.decision_date, year):
            errors.setdefault("decision_date", []).append(problem)
        for name, problem in self.decision_gaps(self.state, {name: getattr(self, name) for name in self.DECISION_FIELDS}).items():
            errors.setdefault(name, []).append(problem)
        if self.score is not None and self.score < 0:
            errors.setdefault("score", []).append(_("A proposal's score cannot be negative."))
        if self.rank == 0:  # ranks count from 1 (scoring.rank)
            errors.setdefault("rank", []).append(_("A rank is 1 or more."))
        if errors:
            raise ValidationError(errors)
