from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, JSONField
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from targets import models, numbers, progress, services
from targets.emulation_forms import why_field
from targets.language import language


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


class KeptOnceClosed:
    """A closed year's rows (Campaign.is_closed: its entry closed, or its ranking made final) are
    shown, no longer added, changed or deleted, by anyone, superusers included: the final ranking is
    kept as it was closed (targets.ranking), and what explains it and the year's signed report (the
    programme, its themes, tasks, indicators, measures and their targets, reporting units, deadlines,
    scheme, pledges, registrations, blocs, bonuses and deductions) must not drift from them. The page
    says why at its top. A new row for a closed year is refused by its model's clean
    (models.refuse_if_closed), with the same words. `campaign` is the path from the row to its programme."""

    campaign = "campaign"

    def _closed(self, obj) -> bool:
        campaign = models.campaign_along(obj, self.campaign)
        return campaign is not None and campaign.is_closed()

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
        return refuse_revert_unless_changeable(self, request, object_id) or super().history_form_view(
            request, object_id, version_id, extra_context)


def refuse_revert_unless_changeable(model_admin, request, object_id) -> None:
    """simple_history's page of a past version saves what is posted to it (a revert) on the view
    permission alone: refused where the row cannot be changed."""
    if request.method == "POST" and not model_admin.has_change_permission(request, model_admin.get_object(request, unquote(object_id))):
        raise PermissionDenied


class KeptOnceClosedInline:
    """A closed year's rows in the table of their page (the programme's themes, an indicator's
    measures…): shown, none added, changed or deleted. `campaign`: the path from the page's row."""

    campaign = "campaign"

    def _closed(self, parent) -> bool:
        campaign = models.campaign_along(parent, self.campaign)
        return campaign is not None and campaign.is_closed()

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


@admin.register(models.Task)
class TaskAdmin(KeptOnceClosed, YearLabels, admin.ModelAdmin):
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
        return cleaned


@admin.register(models.Measure)
class MeasureAdmin(KeptOnceClosed, YearLabels, SimpleHistoryAdmin):
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


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Figures change through the entry and review pages, which keep the workflow's rules;
    the admin shows them and their history but does not edit them around those rules."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return refuse_revert_unless_changeable(self, request, object_id) or super().history_form_view(
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


class PrintableJSONField(forms.JSONField):
    r"""JSON shown back as typed when it holds what is no character (a lone surrogate "\ud800",
    refused on save): escaped, as the person wrote it, where it would not encode into a page."""

    def prepare_value(self, value):
        text = super().prepare_value(value)
        return text.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(text, str) else text


@admin.register(models.ScoringScheme)
class ScoringSchemeAdmin(KeptOnceClosed, SimpleHistoryAdmin):
    """Admins edit the scheme as JSON (checked by targets.scoring.Scheme on save). The year is
    closed from the ranking page, which checks that the year's figures are approved."""

    formfield_overrides = {JSONField: {"form_class": PrintableJSONField}}

    def has_delete_permission(self, request, obj=None):
        # A year with reports is ranked on its scheme: without it the ranking, registrations and
        # proposals of that year are gone (and loading the programme again would bring the default back).
        reported = obj is not None and models.Submission.objects.filter(campaign_id=obj.campaign_id).exists()
        return super().has_delete_permission(request, obj) and not reported

    list_display = ("campaign", "ranking_final_at", "ranking_final_by")
    readonly_fields = ("ranking_final_at", "ranking_final_by")
    list_select_related = ("campaign", "ranking_final_by")


@admin.register(models.Pledge)
class PledgeAdmin(KeptOnceClosed, SimpleHistoryAdmin):
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


@admin.register(models.Registration)
class RegistrationAdmin(KeptOnceClosed, SimpleHistoryAdmin):
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
class BlocMembershipAdmin(KeptOnceClosed, SimpleHistoryAdmin):
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
class ScoreAdjustmentAdmin(KeepsWhy, KeptOnceClosed, SimpleHistoryAdmin):
    form = ChangeWhyForm
    formfield_overrides = TYPED_NUMBERS
    list_display = ("unit", "campaign", "kind", "points", "reason", "bars_flag", "entered_by", "entered_at")
    list_filter = ("campaign", "kind", "bars_flag")
    search_fields = ("unit__code", "unit__name", "reason", "evidence")
    list_select_related = ("unit", "campaign", "entered_by")
    autocomplete_fields = ("unit",)


@admin.register(models.Proposal)
class ProposalAdmin(KeepsWhy, SimpleHistoryAdmin):
    form = ChangeWhyForm
    formfield_overrides = TYPED_NUMBERS
    list_display = ("unit", "campaign", "kind", "state", "rank", "score", "decision_number", "decision_date")
    list_filter = ("campaign", "kind", "state")
    search_fields = ("unit__code", "unit__name", "decision_number")
    list_select_related = ("unit", "campaign")
    autocomplete_fields = ("unit",)
