"""Forms of the emulation pages: every text field has its length limit (shown as maxlength by
Django and checked on the server), points are typed in the page's number format."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from targets.language import language
from targets.models import Proposal, Registration, ScoreAdjustment, Unit
from targets.numbers import NumberFormatError, parse_number
from targets.validators import HISTORY_REASON, form_field, no_control_characters


def bloc_units():
    return Unit.objects.filter(bloc__isnull=False, is_active=True).select_related("bloc").order_by("bloc__code", "kind", "code")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.code} · {unit.list_name(language())}"


class StyledForm(forms.Form):
    """A form whose boxes look like every other form of the site (Bootstrap's classes), whatever
    template shows it (targets/_form_fields.html)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if widget.is_hidden:
                continue
            style = ("form-check-input" if isinstance(widget, forms.CheckboxInput)
                     else "form-select" if isinstance(widget, forms.Select) else "form-control")
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {style}".strip()


class AdjustmentForm(StyledForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("Bonus or deduction"), choices=ScoreAdjustment.Kind.choices)
    points = forms.CharField(label=_("Points"), max_length=10, help_text=_("More than 0, at most 100, two decimals."))
    reason = form_field(ScoreAdjustment, "reason", label=_("Reason"))
    evidence = form_field(ScoreAdjustment, "evidence", label=_("Evidence (document number, date)"))
    bars_flag = forms.BooleanField(label=_("A fault that bars the unit from the flag"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = bloc_units()

    def clean_points(self):
        lang = language()
        try:
            value = parse_number(self.cleaned_data["points"], lang)
        except NumberFormatError as error:
            # "1,555" reads 1,555 or 1555, neither of which can be points: the rule is said, not how
            # to type either reading (which would be refused in turn).
            if error.ambiguous and ScoreAdjustment.points_problem(error.value) and ScoreAdjustment.points_problem(error.reading):
                raise forms.ValidationError(ScoreAdjustment.points_problem(error.value)) from None
            raise forms.ValidationError(error.message(lang)) from None
        if problem := ScoreAdjustment.points_problem(value):
            raise forms.ValidationError(problem)
        return value

    def clean_evidence(self):
        if problem := ScoreAdjustment.evidence_problem(self.cleaned_data["evidence"]):
            raise forms.ValidationError(problem)
        return self.cleaned_data["evidence"]

    def clean(self):
        data = super().clean()
        if problem := ScoreAdjustment.bars_flag_problem(data.get("kind"), data.get("bars_flag")):
            self.add_error("bars_flag", problem)
        return data


def why_field(label):
    # The history keeps a change's reason in HISTORY_REASON characters: asked for within that.
    return forms.CharField(label=label, max_length=HISTORY_REASON, validators=[no_control_characters])


class WhyForm(StyledForm):
    why = why_field(_("Why"))


class RegistrationForm(StyledForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    title = forms.ChoiceField(label=_("Title"), choices=())
    registered = forms.TypedChoiceField(label=_("Action"), coerce=lambda v: v == "1",
                                        choices=[("1", _("Register")), ("0", _("Withdraw the registration"))])
    # Registrations are often made on paper and entered later: the day the unit registered.
    registered_on = forms.DateField(label=_("Registered on"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                    help_text=_("The day the unit registered; empty: today. Typed again for a title registered already, it "
                                                "corrects the day recorded; a withdrawal takes no date."),
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, titles=(), lang="vi", campaign=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = bloc_units()
        self.fields["title"].choices = [(t.code, t.label(lang)) for t in titles]
        self.campaign, self.today = campaign, today

    def clean(self):
        data = super().clean()
        if data.get("registered") is False:
            # A withdrawal takes no date: whatever the box holds, even no date at all, is not part of it.
            self._errors.pop("registered_on", None)
            data["registered_on"] = None
        elif data.get("registered") and data.get("registered_on") is not None:
            # A typed day is judged at its box; no day is today's, judged by set_registration only when
            # it registers anew (registering again without a day keeps the day recorded).
            if problem := Registration.date_problem(self.campaign, data["registered_on"], self.today):
                self.add_error("registered_on", problem)
        return data


class ProposalForm(StyledForm):
    reason = form_field(Proposal, "reason", label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    state = forms.ChoiceField(label=_("State"), choices=Proposal.State.choices)
    decision_number = form_field(Proposal, "decision_number", label=_("Decision number"))
    decision_date = forms.DateField(label=_("Decision date"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    decided_by = form_field(Proposal, "decided_by", label=_("Signed by"))
    why = why_field(_("Why (kept in the history)"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_decision_date(self):
        date = self.cleaned_data["decision_date"]
        if problem := Proposal.decision_date_problem(date, self.year):
            raise forms.ValidationError(problem)
        return date

    def clean(self):
        data = super().clean()
        for name, problem in Proposal.decision_gaps(data.get("state"), data).items():
            if name not in self.errors:  # a date refused already says what is wrong with it, not that it is missing
                self.add_error(name, problem)
        return data


class PledgeUploadForm(StyledForm):
    file = forms.FileField(label=_("Filled-in pledge template (.xlsx, at most 5 MB)"))
