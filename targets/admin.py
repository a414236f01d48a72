import copy
import datetime
import json
import re
from collections.abc import Mapping
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from simple_history.admin import SimpleHistoryAdmin

from targets import models, numbers, progress, scoring, services
from targets import validators as limits
from targets.emulation_forms import why_field
from targets.language import language

# The admin named as the site is, not "Django site admin" / "Trang quản trị cho Django".
admin.site.site_header = admin.site.site_title = _("Emulation dashboard")
admin.site.index_title = _("Administration")


def exact_number(value) -> str:
    """A stored decimal as it was typed, in the page's notation: "2.460", "10,17" (never the
    column's "2460,000000"), every significant decimal kept."""
    if value is None:
        return "–"
    places = max(0, -Decimal(value).normalize().as_tuple().exponent)
    return numbers.format_number(value, places, language())


def number_column(field: str, label):
    """A ModelAdmin method showing a decimal field with exact_number."""

    @admin.display(description=label, ordering=field)
    def column(admin_self, obj):
        return exact_number(getattr(obj, field))

    return column


class TypedNumberInput(forms.TextInput):
    """A text box showing a stored decimal in the page's notation with every digit it has
    ("2460", "10,17"; never the column's 2460.000000), which TypedNumberField reads back exactly."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal):
            return numbers.unambiguous_text(value, language())
        return super().format_value(value)


class TypedNumberField(forms.DecimalField):
    """A decimal typed in the page's notation and read as the site's own pages read figures
    (numbers.parse_number): "2.460,5" on a Vietnamese page is 2460.5, and "2.460", which Python
    would take for 2.46, is refused with both readings. A browser's number box would send what
    it makes of the typing, so the admin uses a text box."""

    widget = TypedNumberInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return numbers.parse_number(str(value), language())
        except numbers.NumberFormatError as error:
            raise forms.ValidationError(error.message(language()), code="invalid") from error


# Every decimal the admin edits: targets, last year's figures, pledges, points, scores.
TYPED_NUMBERS = {DecimalField: {"form_class": TypedNumberField, "widget": TypedNumberInput}}


class YearLabels:
    """Every programme repeats its themes', indicators' and measures' numbers and names: a choice
    of one says its year, or last year's is picked for this year's (models refuse the mix)."""

    YEARED = ("theme", "indicator", "measure")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.YEARED and "queryset" not in kwargs:
            kwargs["queryset"] = db_field.related_model.objects.select_related("campaign")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in self.YEARED:
            field.label_from_instance = lambda obj: f"{obj.campaign.year} · {obj}"
        return field


class _OfAYear:
    """A row of a year's programme: `campaign` is the path from the row (or, for an inline, from its
    page's row) to its programme."""

    campaign = "campaign"

    def _closed(self, obj) -> bool:
        campaign = models.campaign_along(obj, self.campaign)
        return campaign is not None and campaign.is_closed()


class KeptOnceClosed(_OfAYear):
    """A closed year's rows (Campaign.is_closed: its entry closed, or its ranking made final) are
    shown, no longer added, changed or deleted, by anyone, superusers included: the final ranking is
    kept as it was closed (targets.ranking), and what explains it and the year's signed report (the
    programme, its themes, tasks, indicators, measures and their targets, reporting units, deadlines,
    scheme, pledges, registrations, blocs, bonuses and deductions) must not drift from them. The page
    says why at its top. A new row for a closed year is refused by its model's clean
    (models.refuse_if_closed), with the same words."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._closed(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._closed(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Said above the read-only page: why it has no save or delete button.
        if request.method == "GET" and (obj := self.get_object(request, unquote(object_id))) is not None:
            campaign = models.campaign_along(obj, self.campaign)
            if campaign is not None and (problem := campaign.closed_problem()):
                messages.warning(request, problem)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return refuse_revert(request) or super().history_form_view(
            request, object_id, version_id, extra_context)


def refuse_revert(request) -> None:
    """simple_history's page of a past version saves what is posted to it (a revert): the whole
    row put back as it was, with no reason asked, over values the system wrote since (a measure's
    last-year values, which follow approvals, emptied in one click, never to come back once the
    year is closed). A past version is read, never put back (SIMPLE_HISTORY_REVERT_DISABLED hides
    the button; this refuses what is posted all the same): a change is made on the row's own page."""
    if request.method == "POST":
        raise PermissionDenied


class HistoryAdmin(SimpleHistoryAdmin):
    """simple_history's pages of a row's history, in the admin's language: an empty reason is shown
    as "–", as empty cells are elsewhere in the admin, not as the template's "None". (Its other
    words are in the catalogue: "historical …" is each model's HistoricalRecords(verbose_name).)"""

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        for record in historical_records:
            if not record.history_change_reason:
                record.history_change_reason = "–"  # shown only, never saved


class KeptOnceClosedInline(_OfAYear):
    """A closed year's rows in the table of their page (the programme's themes, an indicator's
    measures…): shown, none added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._closed(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._closed(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._closed(obj)


class ThemeInline(KeptOnceClosedInline, admin.StackedInline):
    model = models.Theme
    campaign = ""
    extra = 0
    fields = ("number", "ordinal", "title", "title_en", "description")


@admin.register(models.Campaign)
class CampaignAdmin(KeptOnceClosed, admin.ModelAdmin):
    list_display = ("year", "number", "province", "issued_on", "plan_start", "plan_end", "year_closed")
    search_fields = ("number", "title", "slogan")
    inlines = [ThemeInline]
    fieldsets = (
        (None, {"fields": ("province", "province_code", "year", "number", "issued_on", "issuing_body", "title", "slogan",
                           "plan_start", "plan_end", "source", "year_closed")}),
        (_("Official report"), {"fields": ("report_issuer", "report_issuer_en", "report_code", "report_signature",
                                           "report_signature_en", "report_signer", "report_recipients",
                                           "report_recipients_en")}),
    )

    actions = ["copy_to_next_year"]
    campaign = ""  # the row is the programme

    def has_change_permission(self, request, obj=None):
        # A year closed by its box alone (no scoring scheme) is reopened here, by unticking it: its
        # page stays a form, with that box the only field (get_readonly_fields).
        if obj is not None and obj.reopenable():
            return super(KeptOnceClosed, self).has_change_permission(request, obj)
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Set up the next year from this programme (structure, targets, deadlines; no figures)"))
    def copy_to_next_year(self, request, queryset):
        # As `manage.py copy_campaign`, for an admin without a shell: one programme, into the year after it.
        if queryset.count() != 1:
            self.message_user(request, _("Choose one programme to copy."), messages.ERROR)
            return
        source = queryset.get()
        try:
            campaign = services.copy_campaign(source_year=source.year, target_year=source.year + 1)
        except services.CopyError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        done, notes = services.after_copy(campaign, source.year)
        self.message_user(request, done, messages.SUCCESS)
        for note in notes:
            self.message_user(request, note, messages.WARNING)

    def save_model(self, request, obj, form, change):
        if change and "year_closed" in form.changed_data and obj.year_closed:
            # Closing by the box locks the programme's row as ranking.close_year does: a report being
            # saved or sent meanwhile holds a key-share lock on it (workflow.refuse_if_year_closed), so
            # the one waits for the other and a report never lands in a year just closed.
            models.Campaign.objects.select_for_update().filter(pk=obj.pk).first()
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        # A programme with a scoring scheme closes its year on the ranking page, where closing also
        # makes the ranking final (ranking.close_year): ticking the box here alone would close
        # entry under a ranking still provisional, and unticking it would reopen entry under a
        # final one. Without a scheme the box is the only way to close late yearly entry.
        closes_with_ranking = obj is not None and models.ScoringScheme.objects.filter(campaign=obj).exists()
        # Once units have reported, the year is what their figures are of: changed, a year's
        # figures would be shown as another year's.
        reported = obj is not None and obj.submissions.exists()
        if obj is not None and obj.is_closed():
            # Closed: what the signed report is headed and signed with stays; the box reopens it (has_change_permission).
            return tuple(name for _title, options in self.fieldsets for name in options["fields"]
                         if name != "year_closed" or closes_with_ranking)
        return ("year_closed",) * closes_with_ranking + ("year",) * reported


@admin.register(models.EmulationBloc)
class EmulationBlocAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        # Deleting a bloc would leave its units in none, in every year's ranking, and delete the
        # memberships that keep a past year's: one in use is kept (its units move elsewhere first).
        in_use = obj is not None and (obj.units.exists() or models.BlocMembership.objects.filter(bloc=obj).exists())
        return super().has_delete_permission(request, obj) and not in_use


@admin.register(models.Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "bloc", "parent", "is_active", "since_year")
    list_filter = ("kind", "bloc", "is_active", "since_year")
    search_fields = ("code", "name", "name_en", "short_name")
    filter_horizontal = ("members",)

    def get_changeform_initial_data(self, request):
        # A unit is added when a year is set up: the newest programme's, so the years before it
        # keep their rankings (Unit.since_year).
        newest = models.newest_campaign(models.Campaign.objects.order_by("-year"))
        return {"since_year": newest.year if newest else None, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or not ({"is_active", "bloc"} & set(form.changed_data)):
            return
        if "is_active" in form.changed_data and not obj.is_active:
            # What it is still given in the open years after the last it reported in: reports it will
            # never send. Said as the copy to a new year says it (services.retired_still_reporting).
            reported = models.Submission.objects.filter(unit=obj).order_by("-campaign__year").values_list("campaign__year", flat=True).first()
            for campaign in models.Campaign.objects.filter(year__gt=reported or 0).order_by("year"):
                if not campaign.is_closed() and (note := services.retired_still_reporting(campaign, models.Unit.objects.filter(pk=obj.pk))):
                    messages.warning(request, note)
        # A unit is ranked in its bloc of the moment in every open year without a bloc membership
        # of its own (ranking.members): said, so that a year's ranking does not change unnoticed.
        years = list(models.Campaign.objects.filter(
            submissions__unit=obj, scoring_scheme__ranking_final_at__isnull=True,
        ).exclude(bloc_memberships__unit=obj).distinct().order_by("year").values_list("year", flat=True))
        if not years:
            return
        if "is_active" in form.changed_data and not obj.is_active and obj.bloc_id:
            messages.warning(request, _(
                "%(unit)s is no longer active: it is left out of its bloc's ranking of %(years)s. To keep ranking it for a "
                "year, record its bloc membership of that year (Admin → Bloc memberships).") % {
                "unit": obj.name, "years": ", ".join(map(str, years))})
        elif "bloc" in form.changed_data:
            messages.warning(request, _(
                "%(unit)s moves to its new bloc in the open ranking of %(years)s too. If the move is for a later year, record "
                "its bloc of %(years)s under Admin → Bloc memberships.") % {"unit": obj.name, "years": ", ".join(map(str, years))})


class TaskInline(KeptOnceClosedInline, admin.TabularInline):
    model = models.Task
    extra = 0
    fields = ("number", "title", "title_en", "is_active")
    show_change_link = True  # the responsible units are chosen on the task's own page


@admin.register(models.Theme)
class ThemeAdmin(KeptOnceClosed, admin.ModelAdmin):
    list_display = ("number", "ordinal", "title", "campaign")
    list_filter = ("campaign",)
    inlines = [TaskInline]


class TaskForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        # A unit taking part only from a later year reports nothing for this one (Unit.not_in_year_problem):
        # said of the units given the task here, not of one given it before and kept (its since_year
        # is the unit page's to set right), or no change to the task could be saved.
        theme = cleaned.get("theme") or (self.instance.theme if self.instance.theme_id else None)
        if theme is not None and (units := cleaned.get("responsible_units")) is not None:
            stored = models.Task.objects.filter(pk=self.instance.pk).values_list("theme__campaign_id", flat=True).first()
            kept = (set(self.instance.responsible_units.values_list("pk", flat=True))
                    if stored is not None and stored == theme.campaign_id else set())
            problems = [p for unit in units if unit.pk not in kept and (p := unit.not_in_year_problem(theme.campaign.year))]
            if problems:
                self.add_error("responsible_units", problems)
        return cleaned


@admin.register(models.Task)
class TaskAdmin(KeptOnceClosed, YearLabels, admin.ModelAdmin):
    form = TaskForm
    campaign = "theme__campaign"
    list_display = ("__str__", "units", "is_active")
    list_filter = ("is_active", "theme__campaign", "theme__number")
    search_fields = ("title", "title_en")
    list_select_related = ("theme",)
    filter_horizontal = ("responsible_units",)
    actions = ["retire"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("responsible_units")

    @admin.display(description=_("responsible units"))
    def units(self, task):
        return ", ".join(u.list_name(language()) for u in task.responsible_units.all())

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.responsible_units.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        # A task given to a unit is expected in its reports, the ones it sent already included: they
        # become incomplete and lose their completeness points until the task is assessed. Done if
        # meant, but said, with the reports, as a deadline moved earlier is.
        task = form.instance
        added = set(task.responsible_units.values_list("pk", flat=True)) - before
        if not (added and task.is_active and task.theme.number >= 2):
            return
        sent = (models.Submission.objects.filter(campaign_id=task.theme.campaign_id, unit__in=added,
                                                 state__in=models.Submission.VISIBLE_STATES)
                .select_related("unit").order_by("unit__code", "quarter"))
        if sent:
            messages.warning(request, _("Reports already sent now lack this task, and their completeness points, until it is "
                                        "assessed: %(reports)s. Return a report for its unit to assess the task.") % {
                "reports": ", ".join(f"{s.unit.code} {progress.quarter_label(s.quarter)}" for s in sent)})

    @admin.action(description=_("Retire the selected tasks"))
    def retire(self, request, queryset):
        # Retired, not deleted: their reports stay in the history (Task.is_active). Saved one by one
        # so that the cached dashboards hear of it (targets/signals.py).
        tasks = list(queryset.filter(is_active=True).select_related("theme__campaign"))
        closed = {t.theme.campaign for t in tasks if t.theme.campaign.is_closed()}
        for campaign in sorted(closed, key=lambda c: c.year):
            self.message_user(request, campaign.closed_problem(), messages.WARNING)
        tasks = [t for t in tasks if t.theme.campaign not in closed]
        for task in tasks:
            task.is_active = False
            task.save(update_fields=["is_active"])
        self.message_user(request, _("%(count)d tasks retired.") % {"count": len(tasks)})


def say_if_the_wording_quotes_the_old_target(request, form) -> None:
    """A year copied from the last keeps last year's wording, which quotes last year's target: the
    pages would print both, the new target in the table and the old one in the words. Said wherever
    a target is changed (the measure's page, the indicator's table of measures)."""
    measure, old = form.instance, form.initial.get("target")
    if ("target" in form.changed_data and old is not None and measure.indicator_id
            and numbers.mentions(measure.indicator.official_text, old)):
        messages.warning(request, _("The official wording of indicator %(number)s still says %(old)s, the target before this "
                                    "change: if the programme changed it, change the wording too (Admin → Indicators).") % {
            "number": measure.indicator.number, "old": numbers.format_exact(old, 0, "vi")})


class MeasureFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # Codes are one in any letter case (the database's rule): two rows given "3B" and "3b" in
        # one save are said here, where the database would end the save with a server error.
        super().clean()
        codes = [f.cleaned_data["code"] for f in self.forms
                 if getattr(f, "cleaned_data", None) and f.cleaned_data.get("code") and not f.cleaned_data.get("DELETE")]
        if twice := sorted({c for c in codes if sum(o.lower() == c.lower() for o in codes) > 1}):
            raise forms.ValidationError(_("Two measures of the table have the code %(codes)s (in any letter case): a code is one "
                                          "measure's.") % {"codes": ", ".join(twice)})


class MeasureInline(KeptOnceClosedInline, admin.TabularInline):
    """The indicator's measures, each linked to its own page. A measure is added there (the link
    under the table), where all of its settings are: this table shows a few of them only."""

    model = models.Measure
    formset = MeasureFormSet
    extra = 0
    formfield_overrides = TYPED_NUMBERS
    fields = ("code", "name", "unit", "target", "comparison", "aggregation")
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Indicator)
class IndicatorAdmin(KeptOnceClosed, YearLabels, admin.ModelAdmin):
    list_display = ("number", "name", "theme", "lead_unit", "campaign")
    list_filter = ("campaign", "theme__number")
    search_fields = ("name", "official_text")
    list_select_related = ("theme", "lead_unit", "campaign")
    inlines = [MeasureInline]
    readonly_fields = ("new_measure",)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is models.Measure:
            for measure_form in formset.forms:
                if measure_form.instance.pk is not None and measure_form not in formset.deleted_forms:
                    say_if_the_wording_quotes_the_old_target(request, measure_form)

    @admin.display(description=_("New measure"))
    def new_measure(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        url = reverse("admin:targets_measure_add") + "?" + urlencode({"campaign": obj.campaign_id, "indicator": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("Add a measure to this indicator"))


class AssignmentFormSet(forms.BaseInlineFormSet):
    """A measure's reporting units: one lead unit at most, said on the page (the database's own
    rule would otherwise end the save with a server error), and the lead moved to another unit in
    one save."""

    def _lead(self, form) -> bool:
        data = getattr(form, "cleaned_data", None) or {}
        return data.get("role") == models.MeasureAssignment.Role.LEAD and not data.get("DELETE")

    def clean(self):
        super().clean()
        removed = [f.instance.removal_problem() for f in self.forms
                   if getattr(f, "cleaned_data", {}).get("DELETE") and f.instance.pk is not None]
        if problems := [p for p in removed if p]:
            raise forms.ValidationError(problems)
        leads = [f.cleaned_data["unit"].code for f in self.forms if self._lead(f) and f.cleaned_data.get("unit")]
        if len(leads) > 1:
            raise forms.ValidationError(_("A measure has one lead unit (it gives the province's figure); %(count)s are chosen: "
                                          "%(units)s.") % {"count": len(leads), "units": ", ".join(leads)})

    def save_existing_objects(self, commit=True):
        # The database holds one lead row at any moment, checked row by row: the row that stops
        # being the lead is written before the one that becomes it, whatever their order on the page.
        forms_ = self.forms
        count = self.initial_form_count()
        self.forms = sorted(forms_[:count], key=self._lead) + forms_[count:]
        try:
            return super().save_existing_objects(commit)
        finally:
            self.forms = forms_


class AssignmentInline(KeptOnceClosedInline, admin.TabularInline):
    model = models.MeasureAssignment
    formset = AssignmentFormSet
    extra = 0
    autocomplete_fields = ("unit",)


class MeasureForm(forms.ModelForm):
    """The system's source of last year's values (services.last_year_source, stored in English: what
    sync_last_year looks for) is shown in the page's language, and taken back for the stored words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campaign = self.instance.campaign if self.instance.campaign_id else None
        if campaign is None or "baseline_source" not in self.fields:
            return
        year = campaign.year - 1
        if self.initial.get("baseline_source") == services.last_year_source(year):
            self.initial["baseline_source"] = services.last_year_source_shown(year)
        self.fields["baseline_source"].help_text = _(
            "Empty, or “%(system)s”: the last-year values follow the approved figures of %(year)s, each approval or reopening "
            "of a %(year)s report updating them. Values typed from a publication are kept with its name here, and no "
            "longer follow the approvals.") % {"system": services.last_year_source_shown(year), "year": year}

    def clean_baseline_source(self):
        source = self.cleaned_data.get("baseline_source") or ""
        campaign = self.cleaned_data.get("campaign") or (self.instance.campaign if self.instance.campaign_id else None)
        if campaign is not None and source.strip() in (services.last_year_source(campaign.year - 1),
                                                       services.last_year_source_shown(campaign.year - 1)):
            return services.last_year_source(campaign.year - 1)
        return source

    def follows_approvals(self, campaign) -> bool:
        """The measure's last-year values, as stored, follow the approved figures of the year before
        (services.sync_last_year): written by it, or none yet."""
        stored = self.instance.baseline_source if self.instance.pk is not None else ""
        if stored == services.last_year_source(campaign.year - 1):
            return True
        return not stored and self.instance.pk is not None and all(
            getattr(self.instance, name) is None for name in models.Measure.BASELINES)

    def clean(self):
        cleaned = super().clean()
        # Last year's values under no source, or the system's, are taken for last year's approved
        # figures and replaced by them at the next approval (services.sync_last_year): values typed
        # here must say where they come from, or they would be lost unnoticed.
        typed = [name for name in models.Measure.BASELINES if name in self.changed_data and cleaned.get(name) is not None]
        source = (cleaned.get("baseline_source") or "").strip()
        campaign = cleaned.get("campaign")
        system = campaign is not None and source == services.last_year_source(campaign.year - 1)
        if typed and (not source or system):
            # Said before the source is given: with it, the measure's last-year values are all the admin's (one
            # source for the five), and those the approvals filled stop following them.
            self.add_error("baseline_source", _("You typed last year's values: say where they come from (e.g. the provincial "
                                                "statistical yearbook), or they would be replaced by the approved figures of "
                                                "the year before. With a source, all of this measure's last-year values stay as "
                                                "they are here and no longer follow those approvals: fill in each one you have."))
        elif (not typed and source and not system and campaign is not None and "baseline_source" in cleaned
              and source != (self.instance.baseline_source or "").strip() and self.follows_approvals(campaign)):
            # The source alone changed (reworded, translated): the values would stop following the
            # approvals for good, unnoticed, while still showing the approved figures of the moment.
            self.add_error("baseline_source", _(
                "These last-year values follow the approved figures of %(year)s in this system: changing only their source "
                "would stop them following the approvals, and they would stay as they are now for good. Leave the source as "
                "it is; to use figures from a publication instead, type the values with their source.") % {
                "year": campaign.year - 1})
        return cleaned


@admin.register(models.Measure)
class MeasureAdmin(KeptOnceClosed, YearLabels, HistoryAdmin):
    form = MeasureForm
    list_display = ("code", "name", "unit", "target_shown", "comparison", "aggregation", "previous_year_shown", "campaign")
    formfield_overrides = TYPED_NUMBERS
    target_shown = number_column("target", _("target"))
    previous_year_shown = number_column("previous_year", _("last year's actual"))
    list_filter = ("campaign", "comparison", "aggregation", "value_kind")
    search_fields = ("code", "name")
    list_select_related = ("campaign",)
    inlines = [AssignmentInline]
    fieldsets = (
        (None, {"fields": ("campaign", "indicator", "code", "order", "name", "name_en")}),
        (_("Target"), {"fields": ("unit", "unit_en", "value_kind", "target", "comparison", "aggregation", "decimal_places",
                               "seasonal", "display_divisor", "display_unit", "display_unit_en", "frequency", "publication_month")}),
        (_("Last year"), {"fields": ("previous_year", "same_period_q1", "same_period_q2", "same_period_q3",
                                  "same_period_q4", "baseline_source")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            say_if_the_wording_quotes_the_old_target(request, form)


@admin.register(models.MeasureAssignment)
class MeasureAssignmentAdmin(KeptOnceClosed, YearLabels, admin.ModelAdmin):
    campaign = "measure__campaign"
    list_display = ("measure", "unit", "role")
    actions = None  # removed one by one, each checked (has_delete_permission)
    list_filter = ("role", "measure__campaign", "unit__kind")
    list_select_related = ("measure", "unit")
    autocomplete_fields = ("unit",)

    def has_delete_permission(self, request, obj=None):
        # Not offered for a unit with figures or a pledge of the measure (MeasureAssignment.removal_problem).
        return super().has_delete_permission(request, obj) and (obj is None or obj.removal_problem() is None)


@admin.register(models.Deadline)
class DeadlineAdmin(KeptOnceClosed, admin.ModelAdmin):
    list_display = ("campaign", "quarter", "unit", "due_on")
    list_filter = ("campaign", "quarter")
    list_select_related = ("campaign", "unit")

    def save_model(self, request, obj, form, change):
        self._saying_who_turns_late(request, obj, lambda: super(DeadlineAdmin, self).save_model(request, obj, form, change))

    def delete_model(self, request, obj):
        # A unit's extension taken away moves its deadline back to the programme's, earlier.
        self._saying_who_turns_late(request, obj, lambda: super(DeadlineAdmin, self).delete_model(request, obj))

    def _saying_who_turns_late(self, request, obj, change) -> None:
        """A deadline moved earlier makes reports already sent before it late, and costs their
        units their on-time points: done if meant, but said, with the units."""
        from targets.overview import submission_status

        campaign, quarter = obj.campaign, obj.quarter

        def sent_late():
            return {row["unit"].code for row in submission_status(campaign, quarter) if row["quarter"] == quarter
                    and row["submission"] is not None and row["submission"].first_submitted_at is not None
                    and row["timeliness"] == "late"}

        before = sent_late()
        change()
        if now_late := sorted(sent_late() - before):
            messages.warning(request, _("Reports already sent became late with this deadline: %(units)s. Their units lose "
                                        "their on-time points for the quarter.") % {"units": ", ".join(now_late)})


class ReadOnlyHistoryAdmin(HistoryAdmin):
    """Figures change through the entry and review pages, which keep the workflow's rules;
    the admin shows them and their history but does not edit them around those rules."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return refuse_revert(request) or super().history_form_view(
            request, object_id, version_id, extra_context)


@admin.register(models.Submission)
class SubmissionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("unit", "campaign", "quarter", "state", "submitted_at", "reviewed_by", "reviewed_at")
    list_filter = ("campaign", "quarter", "state", "unit__kind")
    search_fields = ("unit__name", "unit__code")
    list_select_related = ("unit", "campaign", "reviewed_by")


@admin.register(models.Figure)
class FigureAdmin(ReadOnlyHistoryAdmin):
    list_display = ("measure", "submission", "value_shown", "verdict", "kind", "entered_by", "entered_at")
    value_shown = number_column("value", _("value"))
    estimate_value_shown = number_column("estimate_value", _("earlier estimate"))
    estimate_cumulative_shown = number_column("estimate_cumulative", _("earlier estimate, year to date"))
    # The numbers as typed rather than Django's "650,500000" for a six-place column.
    fields = ("submission", "measure", "value_shown", "verdict", "narrative", "note", "source", "kind", "estimate_value_shown",
              "estimate_cumulative_shown", "entered_by", "on_behalf", "version")
    readonly_fields = ("value_shown", "estimate_value_shown", "estimate_cumulative_shown")
    list_filter = ("submission__campaign", "submission__quarter", "submission__state", "kind", "measure__code")
    search_fields = ("measure__code", "submission__unit__name", "note")
    list_select_related = ("measure", "submission__unit", "submission__campaign", "entered_by")


@admin.register(models.TaskReport)
class TaskReportAdmin(ReadOnlyHistoryAdmin):
    list_display = ("task", "submission", "verdict", "entered_at")
    list_filter = ("submission__campaign", "submission__quarter")
    list_select_related = ("task__theme", "submission__unit", "submission__campaign")


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "last_used_at")
    readonly_fields = ("key_hash", "created_at", "last_used_at")
    search_fields = ("user__username", "name")


# --- the emulation: pledges, registration, scoring, proposals ---------------------------------


class OpenChoiceField(forms.ChoiceField):
    """A choice whose value the scoring scheme checks (Scheme.from_dict), not the form: a flag
    title removed from the titles is said in the scheme's words, not as "not a valid choice"."""

    def valid_value(self, value):
        return True


class OpenMultipleChoiceField(forms.MultipleChoiceField):
    """Measure codes ticked in a list, checked against the programme by the scheme (as OpenChoiceField)."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value):
        return True


def _points_field(label, required: bool = True, help_text=""):
    return TypedNumberField(label=label, required=required, help_text=help_text)


def _free_text(field: forms.CharField, limit: int | None = None) -> forms.CharField:
    """A text the scheme checks (length, control characters): the limit shown, Django's own
    null-character check left to the scheme, so that it is said once, in its words."""
    field.validators = []
    if limit:
        field.widget.attrs["maxlength"] = str(limit)
    return field


class WholeNumberField(TypedNumberField):
    """A whole number typed as the other boxes' numbers ("2" or "2,0"), said in the scheme's words
    when it is not one."""

    widget = TypedNumberInput

    def __init__(self, **kwargs):
        super().__init__(widget=TypedNumberInput({"inputmode": "numeric"}), **kwargs)

    def to_python(self, value):
        number = super().to_python(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise forms.ValidationError(_capitalised(scoring.SchemeProblem("certificates").sentence(words=True)), code="invalid")
        return number

    def clean(self, value):
        number = super().clean(value)
        return None if number is None else int(number)


class PageStamp(forms.CharField):
    """The scheme as the page showed it (its JSON, hidden): a box is changed when what is posted
    differs from what the page showed, not from what is stored now (someone may have saved since)."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _as_decimal(value):
    """A stored amount of points as a Decimal (never through a float), or None when it is none."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def _stored_points(value):
    """What a points box shows of a stored amount: the number, or the text as stored when it is none."""
    number = _as_decimal(value)
    return number if number is not None or value is None else str(value)


def _titles_text(titles) -> str:
    lines = []
    for title in titles if isinstance(titles, list) else []:
        if isinstance(title, Mapping):
            parts = [str(title.get("code", "")), str(title.get("name", ""))]
            if title.get("name_en"):
                parts.append(str(title["name_en"]))
            lines.append(" | ".join(parts))
    return "\n".join(lines)


def _titles_of_text(text: str, stored) -> list[dict]:
    """The titles typed one a line, "code | name | English name": a title's other keys, as stored
    under its code, are kept."""
    kept = {str(t.get("code")): t for t in stored if isinstance(t, Mapping)} if isinstance(stored, list) else {}
    titles = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        code, name, name_en = ([part.strip() for part in line.split("|", 2)] + ["", ""])[:3]
        title = {**kept.get(code, {}), "code": code, "name": name}
        if name_en or "name_en" in title:
            title["name_en"] = name_en
        titles.append(title)
    return titles


# The scheme's keys each box edits ("measure_points.met"), by the box's name: a problem the scheme
# names by its key is shown at its box.
SCHEME_BOXES = {
    **{f"measure_{o.value}": f"measure_points.{o.value}" for o in scoring.Outcome},
    **{f"task_{v.value}": f"task_points.{v.value}" for v in progress.Verdict},
    **{f"reporting_{name}": f"reporting_points.{name}" for name in scoring.EARNED["reporting_points"]},
    **{key: key for key in ("key_measures", "annual_measures", "titles", "flag_title", "flag_min_score",
                            "flag_requires_full_year", "certificates", "registration_until", "score_out_of", "bonus_max", "note")},
}
# The tables of points and their levels, as the scheme reads them.
SCHEME_TABLES = {"measure_points": [o.value for o in scoring.Outcome], "task_points": [v.value for v in progress.Verdict],
                 "reporting_points": list(scoring.EARNED["reporting_points"])}


def unknown_scheme_keys(data) -> list[str]:
    """What a scheme saved before its keys were checked may hold that no scheme reads (a misspelt
    "certificate"): kept as it is until the admin says to drop it."""
    if not isinstance(data, Mapping):
        return []
    unknown = [str(key) for key in data if key not in scoring.SCHEME_KEYS]
    for table, names in SCHEME_TABLES.items():
        if isinstance(data.get(table), Mapping):
            unknown += [f"{table}.{key}" for key in data[table] if key not in names]
    return sorted(unknown)


class ScoringSchemeForm(forms.ModelForm):
    """The scheme's JSON (ScoringScheme.data) as boxes in the admin's words: the verdicts named as
    the ranking names them, measures ticked by their names, dates and numbers typed as on every
    page. The JSON is built from the boxes; the scheme's own check (Scheme.from_dict, in the model's
    clean) decides, its problems shown at their box. What no box shows (a title's other keys) is kept
    as it was, and a value left as it was is kept as it was written."""

    measure_exceeded = _points_field(scoring.OUTCOME_LABELS[scoring.Outcome.EXCEEDED])
    measure_met = _points_field(scoring.OUTCOME_LABELS[scoring.Outcome.MET])
    measure_not_met = _points_field(scoring.OUTCOME_LABELS[scoring.Outcome.NOT_MET],
                                    help_text=_("May be negative: a penalty."))
    measure_no_figure = _points_field(scoring.OUTCOME_LABELS[scoring.Outcome.NO_FIGURE],
                                      help_text=_("May be negative: a penalty."))
    task_completed_well = _points_field(progress.VERDICT_NAMES[progress.Verdict.COMPLETED_WELL])
    task_completed = _points_field(progress.VERDICT_NAMES[progress.Verdict.COMPLETED])
    task_not_completed = _points_field(progress.VERDICT_NAMES[progress.Verdict.NOT_COMPLETED],
                                       help_text=_("May be negative: a penalty."))
    reporting_on_time = _points_field(_("Report sent on time"), required=False, help_text=_("Each quarter; empty: 0."))
    reporting_complete = _points_field(_("Report complete"), required=False, help_text=_("Each quarter; empty: 0."))
    bonus_max = _points_field(_("Most a unit's bonuses add up to"), required=False, help_text=_(
        "Empty: no limit. A bonus that would take a unit's bonuses over it is refused; bonuses entered before the limit "
        "count up to it."))
    score_out_of = _points_field(_("Score out of"), required=False, help_text=_(
        "Empty: a unit's score is the sum of its lines. 100: what its measures, tasks and reports earned is scaled to 100 "
        "(divided by the most they could earn), so that a unit asked for more items does not outscore one that did all it "
        "was asked; bonuses and deductions are added after."))
    key_measures = OpenMultipleChoiceField(
        label=_("Key measures"), required=False,
        help_text=_("A unit that does not meet one of them is not proposed for the flag."))
    annual_measures = OpenMultipleChoiceField(
        label=_("Measures published once a year"), required=False,
        help_text=_("Not expected in a quarter's report before the fourth: the report is complete without them."))
    titles = _free_text(forms.CharField(
        label=_("Titles units register for"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("One a line: code | name | English name (the English name may be left out). The code is what "
                    "registrations keep: change it only before units register.")))
    flag_title = OpenChoiceField(
        label=_("Title the flag goes with"), required=False,
        help_text=_("Only a unit registered for it is proposed for the flag. A title added above can be chosen here "
                    "once the page is saved."))
    flag_min_score = _points_field(_("Minimum score for the flag"), required=False, help_text=_("Empty: no minimum."))
    flag_requires_full_year = forms.BooleanField(label=_("The flag only for units in the bloc the whole year"),
                                                 required=False)
    certificates = WholeNumberField(label=_("Certificates of merit per bloc"))
    registration_until = forms.DateField(label=_("Units register for titles until"), required=False,
                                         widget=AdminDateWidget, help_text=_("Empty: no deadline."))
    note = _free_text(forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    ), limits.NOTE)
    forget_unknown = forms.BooleanField(label=_("Remove what no scheme reads"), required=False)
    shown = PageStamp(required=False)

    class Meta:
        model = models.ScoringScheme
        fields = ("campaign",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.data if isinstance(self.instance.data, Mapping) else {}
        self.initial["shown"] = json.dumps(stored)
        # The boxes' initial values are what the page showed (Django's changed_data compares what is
        # posted with them): on a save, the scheme of the page's stamp, stored since maybe changed.
        shown = self._page_scheme() if self.is_bound else None
        for name, values in self._initial_of(stored if shown is None else shown).items():
            self.initial.setdefault(name, values)
        self._title_lines: list[int] | None = None  # the line of each title typed, when the titles were
        # Set by clean(): the save would store the scheme as it stands (ScoringSchemeAdmin writes nothing).
        self.nothing_changed = False
        choices = self._measure_choices(stored)
        self.fields["key_measures"].choices = self.fields["annual_measures"].choices = choices
        titles = _titles_of_text(self.initial.get("titles", ""), stored.get("titles"))
        if self.is_bound:  # the titles typed, offered for the flag when the page is shown again
            titles += _titles_of_text(self.data.get(self.add_prefix("titles"), ""), [])
        offered = {}
        english = language() == "en"
        for title in titles:
            offered.setdefault(title["code"], english and title.get("name_en") or title["name"] or title["code"])
        if (flag := self.initial.get("flag_title")) and flag not in offered:
            offered[flag] = flag
        self.fields["flag_title"].choices = [("", _("(none: no title needed)")), *offered.items()]
        self.fields["note"].help_text = _("At most %(max)s characters.") % {
            "max": numbers.format_number(Decimal(limits.NOTE), 0, language())}
        if unknown := unknown_scheme_keys(stored):
            self.fields["forget_unknown"].help_text = _(
                "The scheme holds %(keys)s, which no scheme reads (saved before they were checked): it cannot be saved "
                "with them. Tick to remove them.") % {"keys": ", ".join(unknown)}

    def _page_scheme(self) -> Mapping | None:
        """The scheme as the page being saved showed it, None without the page's stamp (a form
        posted otherwise: its boxes are compared with the scheme stored)."""
        if self.instance.pk is None:
            return None
        try:
            shown = json.loads(self.data.get(self.add_prefix("shown")) or "")
        except (TypeError, ValueError, RecursionError):  # not what the page wrote (nested past Python's depth too)
            return None
        return shown if isinstance(shown, Mapping) else None

    @staticmethod
    def _initial_of(data: Mapping) -> dict:
        initial = {}
        for table, names in SCHEME_TABLES.items():
            given = data.get(table) if isinstance(data.get(table), Mapping) else {}
            prefix = table.split("_")[0]
            for name in names:
                if name in given:
                    initial[f"{prefix}_{name}"] = _stored_points(given[name])
        for key in ("key_measures", "annual_measures"):
            if isinstance(data.get(key), list):
                initial[key] = [str(code) for code in data[key]]
        initial["titles"] = _titles_text(data.get("titles"))
        initial["flag_title"] = str(data.get("flag_title") or "")
        initial["flag_min_score"] = _stored_points(data.get("flag_min_score"))
        initial["score_out_of"] = _stored_points(data.get("score_out_of"))
        initial["bonus_max"] = _stored_points(data.get("bonus_max"))
        initial["flag_requires_full_year"] = data.get("flag_requires_full_year", True)
        initial["certificates"] = data.get("certificates", 0)
        until = data.get("registration_until")
        try:
            initial["registration_until"] = datetime.date.fromisoformat(until) if until else None
        except (TypeError, ValueError):
            initial["registration_until"] = str(until)
        initial["note"] = str(data.get("note") or "")
        return initial

    def _measure_choices(self, data: Mapping) -> list:
        """The programme's measures (on the add page, every year's, the newest's names), and any
        code the scheme names that is none of them, for the scheme to say so."""
        measures = models.Measure.objects.order_by("-campaign__year", "order", "code")
        if self.instance.campaign_id is not None:
            measures = measures.filter(campaign_id=self.instance.campaign_id)
        choices = {}
        english = language() == "en"
        for code, name, name_en in measures.values_list("code", "name", "name_en"):
            choices.setdefault(code, f"{code} · {english and name_en or name}")
        for key in ("key_measures", "annual_measures"):
            for code in data.get(key) if isinstance(data.get(key), list) else []:
                choices.setdefault(str(code), str(code))
        return list(choices.items())

    def clean_titles(self):
        # A "|" in a name would be split off into the English name without a word.
        text = self.cleaned_data["titles"]
        problems = [ValidationError(_("Line %(line)s: a title is written code | name | English name; a name cannot "
                                      "hold “|”.") % {"line": number})
                    for number, line in enumerate((text or "").splitlines(), 1) if line.count("|") > 2]
        if problems:
            raise ValidationError(problems)
        return text

    def changed_boxes(self) -> list[str]:
        """The boxes the person changed on the page (changed_data: posted against what the page
        showed), a text box's line ends and surrounding spaces aside."""
        changed = []
        for name in self.changed_data:
            if name not in SCHEME_BOXES:
                continue
            if name in ("titles", "note"):
                posted = str(self.data.get(self.add_prefix(name)) or "").replace("\r\n", "\n")
                shown = str(self.initial.get(name) or "")
                if (_titles_of_text(posted, []) == _titles_of_text(shown, []) if name == "titles"
                        else posted.strip() == shown.strip()):
                    continue
            changed.append(name)
        return changed

    def clean(self):
        cleaned = super().clean()
        stored = self.instance.data if isinstance(self.instance.data, Mapping) else {}
        if self.instance.pk is not None:
            # Decided under the row's lock (the admin saves in one transaction): a save made since
            # the page was opened is seen, and no other is made until this one is done.
            rows = models.ScoringScheme.objects.filter(pk=self.instance.pk)
            if transaction.get_connection(rows.db).in_atomic_block:
                rows = rows.select_for_update()
            row = rows.values("data", "ranking_final_at", "ranking_final_by", "final_ranking").first()
            if row is not None:
                stored = row["data"] if isinstance(row["data"], Mapping) else {}
                for name in ("ranking_final_at", "final_ranking"):
                    setattr(self.instance, name, row[name])
                self.instance.ranking_final_by_id = row["ranking_final_by"]
        now = self._initial_of(stored)
        conflicts = [name for name in self.changed_boxes()
                     if name in cleaned and not _same_box(now.get(name), self.initial.get(name))]
        for name in conflicts:
            self.add_error(name, _("Someone else changed this box after you opened the page: nothing was saved. Reload "
                                   "the page to see the scheme as it stands now."))
        if not conflicts:
            self.instance.data = self.scheme_data(stored, cleaned)
            # Compared as JSON text, keys sorted: 1 and true, or 8 and "8", are not the same scheme.
            self.nothing_changed = (self.instance.pk is not None and "campaign" not in self.changed_data
                                    and json.dumps(self.instance.data, sort_keys=True) == json.dumps(stored, sort_keys=True))
        return cleaned

    def scheme_data(self, stored: Mapping, cleaned: dict) -> dict:
        """The scheme's JSON: the stored one with what the boxes changed. A box refused (a number
        mistyped) leaves its value as stored; one left as it was keeps how it was written."""
        data = copy.deepcopy(dict(stored))
        changed = set(self.changed_boxes())

        def typed(name):
            # Changed on the page (what was left as the page showed it keeps what is stored now,
            # saved meanwhile or not), and not refused (a box refused is not in cleaned).
            return name in cleaned and name in changed

        def put(key, value, same) -> None:
            if key in data and same(data[key]) or key not in data and same(_ABSENT):
                return
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value

        def same_points(new):
            return lambda old: _as_decimal(None if old is _ABSENT else old) == new and (
                new is not None or old in (_ABSENT, None, ""))

        for table, names in SCHEME_TABLES.items():
            given = data.get(table)
            if given is not None and not isinstance(given, Mapping):
                given = None  # not a table: written anew from the boxes
            points = dict(given or {})
            prefix = table.split("_")[0]
            for name in names:
                box = f"{prefix}_{name}"
                if not typed(box):
                    continue
                new = cleaned[box]
                if name in points and same_points(new)(points[name]) or name not in points and new is None:
                    continue
                if new is None:
                    points.pop(name, None)
                else:
                    points[name] = str(new)
            if points != (given or {}):
                data[table] = points
        for key in ("key_measures", "annual_measures"):
            if typed(key):
                order = [code for code, _label in self.fields[key].choices]
                new = sorted(cleaned[key], key=lambda code: (order.index(code) if code in order else len(order), code))
                put(key, new, lambda old, new=new: isinstance(old, list) and set(map(str, old)) == set(new) and len(old) == len(new)
                    or old is _ABSENT and not new)
        if typed("titles"):
            self._title_lines = [number for number, line in enumerate(cleaned["titles"].splitlines(), 1) if line.strip()]
            new = _titles_of_text(cleaned["titles"].replace("\r\n", "\n"), stored.get("titles"))
            put("titles", new, lambda old: old == new or old is _ABSENT and not new)
        if typed("flag_title"):
            new = cleaned["flag_title"] or None
            put("flag_title", new, lambda old: (None if old is _ABSENT else old or None) == new)
        if typed("flag_min_score"):
            new = cleaned["flag_min_score"]
            put("flag_min_score", None if new is None else str(new), same_points(new))
        for key in ("score_out_of", "bonus_max"):
            if typed(key):
                new = cleaned[key]
                put(key, None if new is None else str(new), same_points(new))
        if typed("flag_requires_full_year"):
            new = cleaned["flag_requires_full_year"]
            put("flag_requires_full_year", new, lambda old: (True if old is _ABSENT else old) is new)
        if typed("certificates"):
            new = cleaned["certificates"]
            put("certificates", new, lambda old: type(0 if old is _ABSENT else old) is int and (0 if old is _ABSENT else old) == new)
        if typed("registration_until"):
            new = cleaned["registration_until"]
            put("registration_until", new.isoformat() if new else None,
                lambda old: (old in (_ABSENT, None, "") and new is None) or (new is not None and old == new.isoformat()))
        if typed("note"):
            # Kept as stored when only the spaces around it differ (a text box trims them).
            new = cleaned["note"].replace("\r\n", "\n")
            put("note", new or None, lambda old: str(old if old not in (_ABSENT, None) else "").strip() == new)
        if cleaned.get("forget_unknown"):
            for key in unknown_scheme_keys(data):
                table, _dot, name = key.partition(".")
                if name and table in SCHEME_TABLES and isinstance(data.get(table), Mapping):
                    data[table] = {k: v for k, v in data[table].items() if k != name}
                else:
                    data.pop(key, None)
        return data

    def _update_errors(self, errors):
        # The model's clean says the scheme's problems under "data", each after its key, as the
        # programme file's loader says them ("measure_points.met: …"). Here each is said at its
        # box, which names it already, in the box's words (Scheme.from_dict's SchemeProblem): a
        # title by its line; the rest (points out of order, unknown keys, a closed year) at the
        # top of the page. The model's own checks name a box's key first: said without it.
        if hasattr(errors, "error_dict") and "data" in errors.error_dict:
            placed: dict = {}
            given = [message for error in errors.error_dict.pop("data") for message in error.messages]
            said = set()
            lines = []  # a title's problems, by its line
            for problem in self._scheme_problems():
                if problem.message() not in given:
                    continue
                said.add(problem.message())
                box, message = self._box_of(problem.key), _capitalised(problem.sentence(words=True))
                if box == "titles" and (line := re.match(r"titles\[(\d+)\]", problem.key)):
                    index = int(line.group(1))
                    number = self._title_lines[index] if self._title_lines and index < len(self._title_lines) else index + 1
                    lines.append((number, _("Line %(line)s: %(problem)s") % {"line": number, "problem": problem.sentence(words=True)}))
                    continue
                if box is None and problem.name != "order":  # the key names what no box shows
                    message = problem.message()
                placed.setdefault(box or NON_FIELD_ERRORS, []).append(message)
            for message in given:
                if message in said:
                    continue
                head, colon, rest = message.partition(":")
                box = self._box_of(head.strip()) if colon else None
                placed.setdefault(box or NON_FIELD_ERRORS, []).append(_capitalised(rest.strip()) if box else message)
            if lines:
                placed["titles"] = [message for _line, message in sorted(lines)] + placed.get("titles", [])
            for box, messages_ in placed.items():
                errors.error_dict.setdefault(box, []).extend(ValidationError(m) for m in messages_)
        super()._update_errors(errors)

    @staticmethod
    def _box_of(key: str) -> str | None:
        """The box that edits the scheme's `key` ("measure_points.met", a title's "titles[3].name")."""
        key = re.split(r"\[", key)[0] if key.startswith("titles[") else key
        return next((name for name, scheme_key in SCHEME_BOXES.items() if scheme_key == key), None)

    def _scheme_problems(self) -> list:
        """The problems Scheme.from_dict finds in the scheme about to be saved, as the model's clean
        checks it."""
        codes = (models.Measure.objects.filter(campaign_id=self.instance.campaign_id).values_list("code", flat=True)
                 if self.instance.campaign_id else None)
        try:
            scoring.Scheme.from_dict(self.instance.data, measure_codes=codes)
        except scoring.SchemeError as error:
            return error.problems
        return []


def _same_box(now, shown) -> bool:
    """A box's value in the scheme stored now is the one the page showed (ticked codes in any order)."""
    if isinstance(now, list) and isinstance(shown, list):
        return sorted(now) == sorted(shown)
    return now == shown or now in (None, "") and shown in (None, "")


_ABSENT = object()  # a key the stored scheme does not have


def _scheme_box_display(name: str):
    """A box of the scheme's form shown on the read-only page of a closed year: what it holds."""
    field = ScoringSchemeForm.base_fields[name]

    def shown(admin_self, obj):
        value = ScoringSchemeForm._initial_of(obj.data if isinstance(obj.data, Mapping) else {}).get(name)
        if isinstance(value, bool):
            return pgettext("scheme box", "Yes") if value else pgettext("scheme box", "No")
        if isinstance(value, Decimal):
            return exact_number(value)
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, list):
            return ", ".join(value) or "–"
        return value if value not in (None, "") else "–"

    shown.short_description = field.label
    return shown


@admin.register(models.ScoringScheme)
class ScoringSchemeAdmin(KeptOnceClosed, HistoryAdmin):
    """Admins edit the scheme in boxes (ScoringSchemeForm), checked by targets.scoring.Scheme on
    save; the JSON it makes is shown, read only. The year is closed from the ranking page, which
    checks that the year's figures are approved."""

    form = ScoringSchemeForm
    BOXES = (
        (_("Points for each pledged measure, by its verdict"),
         {"fields": tuple(f"measure_{o.value}" for o in scoring.Outcome)}),
        (_("Points for each task of themes II–VI, by its assessment"),
         {"fields": tuple(f"task_{v.value}" for v in progress.Verdict)}),
        (_("Points for each quarter's report"), {"fields": ("reporting_on_time", "reporting_complete")}),
        (_("The whole a score is out of, and bonuses"), {"fields": ("score_out_of", "bonus_max")}),
        (_("Key measures and measures published once a year"), {"fields": ("key_measures", "annual_measures")}),
        (_("Titles, the flag and certificates"),
         {"fields": ("titles", "flag_title", "flag_min_score", "flag_requires_full_year", "certificates",
                     "registration_until")}),
        (_("Note"), {"fields": ("note",)}),
    )

    def get_fieldsets(self, request, obj=None):
        forget = ("forget_unknown",) * bool(obj is not None and unknown_scheme_keys(obj.data) and self.has_change_permission(request, obj))
        stamp = ("shown",) * bool(obj is not None and self.has_change_permission(request, obj))  # hidden
        return (
            (None, {"fields": ("campaign", *forget, *stamp)}),
            *self.BOXES,
            (_("Year closed"), {"fields": ("ranking_final_at", "ranking_final_by")}),
            (_("The scheme as saved (JSON, read only)"), {"classes": ("collapse",), "fields": ("data_shown",)}),
        )

    @admin.display(description=_("scheme"))
    def data_shown(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        # As typed when it holds what is no character (a lone surrogate saved before it was refused):
        # escaped, where it would not encode into a page.
        text = json.dumps(obj.data, ensure_ascii=False, indent=2).encode("utf-8", "backslashreplace").decode("utf-8")
        return format_html("<pre>{}</pre>", text)

    def save_model(self, request, obj, form, change):
        # A page saved untouched writes nothing: no new version in the scheme's history (which
        # would say the scheme was changed at that time) and no line in the admin's log.
        obj._nothing_changed = change and form.nothing_changed
        if obj._nothing_changed:
            request.unchanged_scheme = obj  # said so by message_user
        else:
            super().save_model(request, obj, form, change)

    def log_change(self, request, obj, message):
        if not getattr(obj, "_nothing_changed", False):
            return super().log_change(request, obj, message)
        return None

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # Saved untouched: Django's "changed successfully", whichever button was pressed (each goes
        # where Django sends it), says what happened instead.
        obj = getattr(request, "unchanged_scheme", None)
        if obj is not None and level == messages.SUCCESS:
            message, level = _("Nothing was changed: the %(name)s “%(obj)s” is as it was.") % {
                "name": obj._meta.verbose_name, "obj": obj}, messages.INFO
        return super().message_user(request, message, level, *args, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # A year with reports is ranked on its scheme: without it the ranking, registrations and
        # proposals of that year are gone (and loading the programme again would bring the default back).
        reported = obj is not None and models.Submission.objects.filter(campaign_id=obj.campaign_id).exists()
        return super().has_delete_permission(request, obj) and not reported

    list_display = ("campaign", "ranking_final_at", "ranking_final_by")
    readonly_fields = ("ranking_final_at", "ranking_final_by", "data_shown")
    list_select_related = ("campaign", "ranking_final_by")


# A closed year's page shows the boxes read only: each says what it holds.
for _name in SCHEME_BOXES:
    setattr(ScoringSchemeAdmin, _name, _scheme_box_display(_name))


@admin.register(models.Pledge)
class PledgeAdmin(KeptOnceClosed, HistoryAdmin):
    formfield_overrides = TYPED_NUMBERS
    campaign = "measure__campaign"
    list_display = ("unit", "measure", "target_shown", "signed_on", "document")
    target_shown = number_column("target", _("pledged figure"))
    list_filter = ("measure__campaign", "unit__bloc")
    search_fields = ("unit__code", "unit__name", "measure__code", "document")
    list_select_related = ("unit", "measure")
    autocomplete_fields = ("unit",)
    readonly_fields = ("entered_by",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A measure assessed in words takes no pledged figure (Pledge.rule_problems): not offered. Each
        # year's measures share their codes and names: the year tells them apart.
        if db_field.name == "measure":
            kwargs["queryset"] = (models.Measure.objects.exclude(comparison=models.Measure.Comparison.QUALITATIVE)
                                  .select_related("campaign").order_by("-campaign__year", "order"))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "measure":
            field.label_from_instance = lambda measure: f"{measure.campaign.year} · {measure}"
        return field

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)


def _title_choices() -> list:
    """The titles of each year's scoring scheme by their names, the latest year first: the admin
    picks one, never types the scheme's code (that it is the programme's year's is checked on save)."""
    from targets.scoring import SchemeError

    choices = [("", "---------")]
    for record in models.ScoringScheme.objects.select_related("campaign").order_by("-campaign__year"):
        try:
            titles = record.scheme().titles
        except SchemeError:
            continue  # a scheme that does not read offers nothing to register for
        if titles:
            choices.append((str(record.campaign.year), [(t.code, t.label(None)) for t in titles]))
    return choices


class RegistrationForm(forms.ModelForm):
    title = forms.ChoiceField(label=_("Title"), choices=_title_choices)

    class Meta:
        model = models.Registration
        fields = ("campaign", "unit", "title", "registered_on", "note")

    def clean(self):
        cleaned = super().clean()
        if self.has_error("registered_on"):
            # Not a date: said once, not also judged by the model's rules as the day it defaults to.
            self.instance.registered_on = None
        elif problem := self._deadline_problem(cleaned.get("campaign"), cleaned.get("registered_on")):
            self.add_error("registered_on", problem)
            self.instance.registered_on = None  # as for a mistyped date: not judged again as the day it defaults to
        return cleaned

    def _deadline_problem(self, campaign, day) -> str | None:
        """The registrations page's deadline rule (commendation.registration_deadline_problem), judged
        on the registration's own day, when the date rule judges it (Registration.date_to_judge: a new
        row, or its day or programme changed). A day out of the programme's span is said by that rule
        alone (Registration.rule_problems), not a second time as after the deadline."""
        from django.utils import timezone

        from targets import commendation

        if campaign is None or day is None:
            return None
        if self.instance.pk is not None and (self.instance.campaign_id, self.instance.registered_on) == (campaign.pk, day):
            return None  # a row kept as it was stored: its note or title edited
        if models.Registration.date_problem(campaign, day):
            return None
        record = models.ScoringScheme.objects.filter(campaign=campaign).first()
        try:
            scheme = record.scheme() if record is not None else None
        except scoring.SchemeError:
            scheme = None  # the title's rule says the scheme does not read
        return commendation.registration_deadline_problem(scheme, day, timezone.localdate()) if scheme else None


@admin.register(models.Registration)
class RegistrationAdmin(KeptOnceClosed, HistoryAdmin):
    form = RegistrationForm
    list_display = ("unit", "campaign", "title", "registered_on")
    list_filter = ("campaign", "title", "unit__bloc")
    search_fields = ("unit__code", "unit__name")
    list_select_related = ("unit", "campaign")
    autocomplete_fields = ("unit",)
    readonly_fields = ("entered_by",)

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user  # as the registrations page records who entered it
        super().save_model(request, obj, form, change)


@admin.register(models.BlocMembership)
class BlocMembershipAdmin(KeptOnceClosed, HistoryAdmin):
    list_display = ("unit", "campaign", "bloc", "from_quarter", "to_quarter")
    list_filter = ("campaign", "bloc")
    list_select_related = ("unit", "campaign", "bloc")
    autocomplete_fields = ("unit",)


class ChangeWhyForm(forms.ModelForm):
    """A change asks why, as the secretariat's own pages do (a bonus removed, a proposal edited):
    the reason is kept in the row's history beside the old and new values."""

    why = why_field(_("Why (kept in the history)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["why"].required = False  # a new row, or one saved unchanged, needs none

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and set(self.changed_data) - {"why"} and not cleaned.get("why"):
            self.add_error("why", _("Say why you change it: the reason is kept in its history."))
        return cleaned


class KeepsWhy:
    """Saves a change with the reason its ChangeWhyForm asked for, as the history's change reason."""

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get("why") or None
        super().save_model(request, obj, form, change)


@admin.register(models.ScoreAdjustment)
class ScoreAdjustmentAdmin(KeepsWhy, KeptOnceClosed, HistoryAdmin):
    form = ChangeWhyForm
    formfield_overrides = TYPED_NUMBERS
    list_display = ("unit", "campaign", "kind", "points", "reason", "bars_flag", "entered_by", "entered_at")
    list_filter = ("campaign", "kind", "bars_flag")
    search_fields = ("unit__code", "unit__name", "reason", "evidence")
    list_select_related = ("unit", "campaign", "entered_by")
    autocomplete_fields = ("unit",)


class ProposalForm(ChangeWhyForm):
    """A proposal's page remembers the version it showed: saved over a change made meanwhile (on the
    proposals page, or by another admin), it is refused, as the proposals page refuses it
    (commendation.update_proposal), decided under the row's lock (the admin's save is one transaction)."""

    seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        campaign = cleaned.get("campaign")
        if campaign is not None and not models.ScoringScheme.objects.filter(campaign=campaign, final_ranking__isnull=False).exists():
            # Its rank and score are the final ranking's: before it there are none to give it.
            raise ValidationError(_("Proposals come from the final ranking: close the %(year)s year from the ranking page first.") % {
                "year": campaign.year})
        if self.instance.pk is not None:
            now = models.Proposal.objects.select_for_update().filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if now is not None and cleaned.get("seen") != now:
                raise ValidationError(_("Someone else changed this proposal after you opened it: nothing was saved. Reload the page "
                                        "to see it as it stands now."))
        return cleaned


@admin.register(models.Proposal)
class ProposalAdmin(KeepsWhy, HistoryAdmin):
    """A proposal the proposals page did not draft (one the council asks for, say) is added here.
    Its rank and score are never typed: they are the unit's in the year's kept final ranking, as
    on every drafted proposal, so that the list given to the council cannot contradict the ranking.
    A flag for a unit the ranking bars, or a second flag in a bloc, is saved with a warning (the
    council may decide so) naming what it goes against."""

    form = ProposalForm
    formfield_overrides = TYPED_NUMBERS
    list_display = ("unit", "campaign", "kind", "state", "rank", "score", "decision_number", "decision_date")
    list_filter = ("campaign", "kind", "state")
    search_fields = ("unit__code", "unit__name", "decision_number")
    list_select_related = ("unit", "campaign")
    autocomplete_fields = ("unit",)
    readonly_fields = ("rank", "score", "version", "changed_by")

    def save_model(self, request, obj, form, change):
        # Who changed it last, and a new version: a proposals page opened before is then refused.
        obj.changed_by = request.user
        if change:
            obj.version += 1
        record = models.ScoringScheme.objects.filter(campaign_id=obj.campaign_id).first()
        place = (scoring.Ranking.from_data(record.final_ranking).of_unit(obj.unit.code)
                 if record is not None and record.final_ranking is not None and obj.unit_id else None)
        obj.rank, obj.score = (place[1].rank, place[1].score) if place else (None, None)
        if place is None:
            self.message_user(request, _("The unit is not in a final ranking of %(year)s: the proposal has no rank or score.") % {
                "year": obj.campaign.year}, messages.WARNING)
        elif obj.kind == models.Proposal.Kind.FLAG:
            bloc, score = place
            if score.bars:
                self.message_user(request, _("The final ranking bars %(unit)s from the flag: %(bars)s.") % {
                    "unit": score.label(language()), "bars": "; ".join(bar.text(language()) for bar in score.bars)}, messages.WARNING)
            others = models.Proposal.objects.filter(campaign=obj.campaign, kind=obj.kind, unit__code__in=[
                u.code for u in bloc.units if u.code != obj.unit.code]).exclude(pk=obj.pk).select_related("unit")
            if others:
                self.message_user(request, _("%(bloc)s already has a flag proposal: %(units)s.") % {
                    "bloc": bloc.label(language()), "units": ", ".join(p.unit.name for p in others)}, messages.WARNING)
        super().save_model(request, obj, form, change)
