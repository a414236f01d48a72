from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from targets import models


class ThemeInline(admin.StackedInline):
    model = models.Theme
    extra = 0
    fields = ("number", "ordinal", "title", "title_en", "description")


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("year", "number", "province", "issued_on", "plan_start", "plan_end", "year_closed")
    search_fields = ("number", "title", "slogan")
    list_editable = ("year_closed",)
    inlines = [ThemeInline]


@admin.register(models.EmulationBloc)
class EmulationBlocAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name")


@admin.register(models.Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "bloc", "parent", "is_active")
    list_filter = ("kind", "bloc", "is_active")
    search_fields = ("code", "name", "name_en", "short_name")
    filter_horizontal = ("members",)


class TaskInline(admin.TabularInline):
    model = models.Task
    extra = 0


@admin.register(models.Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("number", "ordinal", "title", "campaign")
    list_filter = ("campaign",)
    inlines = [TaskInline]


@admin.register(models.Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("__str__", "theme")
    list_filter = ("theme__campaign", "theme")
    search_fields = ("title",)


class MeasureInline(admin.TabularInline):
    model = models.Measure
    extra = 0
    fields = ("code", "name", "unit", "target", "comparison", "aggregation")
    show_change_link = True


@admin.register(models.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "theme", "lead_unit", "campaign")
    list_filter = ("campaign", "theme__number")
    search_fields = ("name", "official_text")
    list_select_related = ("theme", "lead_unit", "campaign")
    inlines = [MeasureInline]


class AssignmentInline(admin.TabularInline):
    model = models.MeasureAssignment
    extra = 0
    autocomplete_fields = ("unit",)


@admin.register(models.Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "unit", "target", "comparison", "aggregation", "previous_year", "campaign")
    list_filter = ("campaign", "comparison", "aggregation", "value_kind")
    search_fields = ("code", "name")
    list_select_related = ("campaign",)
    inlines = [AssignmentInline]
    fieldsets = (
        (None, {"fields": ("campaign", "indicator", "code", "order", "name", "name_en")}),
        ("Target", {"fields": ("unit", "unit_en", "value_kind", "target", "comparison", "aggregation", "decimal_places",
                               "seasonal", "display_divisor", "display_unit", "display_unit_en", "frequency", "publication_month")}),
        ("Last year", {"fields": ("previous_year", "same_period_q1", "same_period_q2", "same_period_q3",
                                  "same_period_q4", "baseline_source")}),
    )


@admin.register(models.MeasureAssignment)
class MeasureAssignmentAdmin(admin.ModelAdmin):
    list_display = ("measure", "unit", "role")
    list_filter = ("role", "measure__campaign", "unit__kind")
    list_select_related = ("measure", "unit")
    autocomplete_fields = ("unit",)


@admin.register(models.Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ("campaign", "quarter", "unit", "due_on")
    list_filter = ("campaign", "quarter")
    list_select_related = ("campaign", "unit")


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Figures change through the entry and review pages, which keep the workflow's rules;
    the admin shows them and their history but does not edit them around those rules."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Submission)
class SubmissionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("unit", "campaign", "quarter", "state", "submitted_at", "reviewed_by", "reviewed_at")
    list_filter = ("campaign", "quarter", "state", "unit__kind")
    search_fields = ("unit__name", "unit__code")
    list_select_related = ("unit", "campaign", "reviewed_by")


@admin.register(models.Figure)
class FigureAdmin(ReadOnlyHistoryAdmin):
    list_display = ("measure", "submission", "value", "verdict", "kind", "entered_by", "entered_at")
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
