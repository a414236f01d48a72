"""The entry page's formset: one form per measure a unit reports, for one quarter.

Numbers are read by targets.entry (the project's parser with the measure's rules), the same
code the Excel upload uses, so the page and the workbook cannot disagree on what a figure is.
A form shows the stored figure with all its digits and compares what comes back as Decimals:
only a figure a person changed is written.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial

from django import forms
from django.forms.renderers import Jinja2
from django.utils.translation import gettext_lazy as _

from targets import numbers, validators, workflow
from targets.entry import jump_warnings, read_number, value_problems, verdict_problems, year_to_date_warnings
from targets.models import Figure, Measure, Task, TaskReport
from targets.numbers import NumberFormatError

# Hidden bookkeeping, not something the person changes.
BOOKKEEPING = {"measure", "version"}
# The entry page draws some seventy fields for a district: through Django's own Jinja2 widget
# templates (the same HTML) it renders a fifth faster. Only here: the admin's widgets exist as
# Django templates alone.
ENTRY_RENDERER = Jinja2()
FIGURE_FIELDS = ("value", "cumulative", "kind", "verdict", "narrative", "note", "source")


class FigureNumberField(forms.Field):
    """A figure typed in the page's language ("1.234,5" in Vietnamese), exactly as typed."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control"})

    def __init__(self, *, measure: Measure, lang: str, shown=lambda: None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.measure, self.lang = measure, lang
        # The figure the page showed in this box (the form's initial, which compare_with_the_page may
        # set back to the version the page was opened with): its text is read back as exactly it.
        self.shown = shown
        if measure.value_kind == Measure.ValueKind.RATE:
            # A rate may be negative (GRDP growth -1,5), and a phone's decimal keypad (iOS) has no minus.
            self.widget.attrs["inputmode"] = "text"

    def prepare_value(self, value):
        # The stored figure in the page's number format, as the card around the box writes figures
        # (2.512,3; 812.345), with every digit it has and at least the measure's decimals: never
        # rounded (10.17 stays 10,17, 0.125 stays 0,125 at one display decimal).
        if isinstance(value, Decimal):
            return numbers.format_exact(value, self.measure.decimal_places, self.lang)
        return value

    def to_python(self, value) -> Decimal | None:
        if isinstance(value, Decimal) or value is None:
            return value
        if not str(value).strip():
            return None
        shown = self.shown()
        if isinstance(shown, Decimal) and str(value).strip() == self.prepare_value(shown):
            # The box sent back as the page wrote it: the figure it showed, exactly, even where the text
            # alone could be read two ways ("1,125": 1.125 here, 1125 in English), so that a save
            # of the page untouched changes nothing.
            return shown
        try:
            return read_number(self.measure, str(value), self.lang)
        except NumberFormatError as error:
            raise forms.ValidationError(error.message(self.lang), code="number") from None

    def validate(self, value):
        super().validate(value)
        if value is not None:
            for problem in value_problems(self.measure, value, self.lang):
                raise forms.ValidationError(problem, code="range")


def _model_field(name: str, **kwargs) -> forms.Field:
    """A form field built from Figure's own field, so its length limits and validators apply."""
    return validators.form_field(Figure, name, **kwargs)


# What a page's version says when it comes back altered.
STALE_PAGE = {name: _("This page is out of date; reload it.") for name in ("invalid", "min_value", "max_value")}


class FigureForm(forms.Form):
    """One measure's figure (or verdict) for the quarter, with what the reporter needs beside it."""

    default_renderer = ENTRY_RENDERER

    # Names the form's row; the formset matches posted forms to rows by it (BaseEntryFormSet._by_row).
    measure = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1,
                                 error_messages=STALE_PAGE)

    def __init__(self, *args, row: dict, lang: str, **kwargs):
        self.row, self.lang = row, lang
        m: Measure = row["measure"]
        figure: Figure | None = row["figure"]
        initial = {"measure": m.pk, "kind": Figure.Kind.OFFICIAL}
        if figure is not None:
            initial.update({name: getattr(figure, name) for name in FIGURE_FIELDS}, version=figure.version)
        super().__init__(*args, initial=initial, **kwargs)
        text = {"class": "form-control"}
        if m.is_qualitative:
            self.fields["verdict"] = _model_field("verdict", widget=forms.Select(attrs={"class": "form-select"}))
            self.fields["narrative"] = _model_field("narrative", widget=forms.Textarea(attrs={**text, "rows": 2}))
        else:
            unit = m.unit_en if lang == "en" and m.unit_en else m.unit
            self.fields["value"] = FigureNumberField(measure=m, lang=lang, label=_("Value (%(unit)s)") % {"unit": unit},
                                                     shown=partial(self.initial.get, "value"))
            if m.aggregation == Measure.Aggregation.FLOW:
                self.fields["cumulative"] = FigureNumberField(measure=m, lang=lang, label=_("Year to date"),
                                                              shown=partial(self.initial.get, "cumulative"))
                # Beside a year to date, what the first box holds, read with it (aria-describedby, entry.html).
                self.fields["value"].help_text = _("Quarter's own figure")
        # A verdict may be an estimate too (the template takes one): shown and kept, never turned
        # official by a save that did not offer the choice.
        self.fields["kind"] = _model_field("kind", required=False, widget=forms.Select(attrs={"class": "form-select"}))
        # Boxes that keep line breaks: a note written in several lines (in the Excel template) would
        # lose them in a one-line input, which browsers strip of line breaks, and the page's next
        # save would rewrite it.
        self.fields["note"] = _model_field("note", widget=forms.Textarea(attrs={**text, "rows": 1}))
        self.fields["source"] = _model_field("source", form_class=validators.Lines, widget=forms.Textarea(attrs={**text, "rows": 1}))
        self.warnings: list[str] = []
        self.warned = self.warned_id = ""  # the box the warnings are about, and its id on the page (clean)

    def clean(self):
        data = super().clean()
        m = self.row["measure"]
        if m.is_qualitative and "narrative" not in self.errors:  # an over-long narrative is not a missing one
            for problem in verdict_problems(data.get("verdict", ""), data.get("narrative", ""), self.lang):
                self.add_error("verdict", problem)
        # Warned of a figure typed, not of one saved already whose note or kind alone changes (it was confirmed then).
        elif data.get("value") is not None and "value" in self.changed_data:
            self.warnings, self.warned = jump_warnings(m, data["value"], self.row["previous"], self.lang,
                                                       self.row.get("previous_quarter")), "value"
        elif data.get("cumulative") is not None and "cumulative" in self.changed_data:
            self.warnings = year_to_date_warnings(m, data["cumulative"], self.row["so_far"], self.row["previous"], self.lang)
            self.warned = "cumulative"
        if not self.errors and (lost := self.entry().words_without_figure):
            # Saved, the row would keep nothing of them (a figure carries its note): said, and kept on the page.
            self.add_error(lost, workflow.words_without_figure_message())
        if self.warnings:
            # The warnings, read with the box they are about (entry.html: "<id>_warning"). A description
            # set on the widget replaces Django's own, so its ids are kept (the box parsed: no error).
            bound = self[self.warned]
            self.warned_id = bound.auto_id
            self.fields[self.warned].widget.attrs["aria-describedby"] = " ".join(filter(None, [bound.aria_describedby, f"{bound.auto_id}_warning"]))
        return data

    def touched(self) -> bool:
        """Whether the person changed anything on this row (numbers compared as Decimals)."""
        return bool(set(self.changed_data) - BOOKKEEPING)

    def typed(self) -> list[tuple[str, str]]:
        return typed(self, BOOKKEEPING)

    def entry(self) -> workflow.Entry:
        data = self.cleaned_data
        return workflow.Entry(
            measure=self.row["measure"], value=data.get("value"), cumulative=data.get("cumulative"),
            verdict=data.get("verdict", ""), narrative=data.get("narrative", "").strip(), note=data.get("note", "").strip(),
            source=data.get("source", "").strip(), kind=data.get("kind") or Figure.Kind.OFFICIAL, version=data.get("version"),
        )


def typed(form: forms.Form, bookkeeping) -> list[tuple[str, str]]:
    """What the person typed in the fields of `form` they changed, as sent (a choice by its label),
    for a page that could save none of it and shows it back to be copied."""
    shown = []
    for name in form.changed_data:
        if name in bookkeeping:
            continue
        field, sent = form.fields[name], form[name].data
        text = dict(field.choices).get(sent, sent) if isinstance(field, forms.ChoiceField) else sent
        if text not in (None, ""):
            shown.append((str(field.label or name), str(text)))
    return shown


class BaseEntryFormSet(forms.BaseFormSet):
    """A fixed set of forms, one per row, whatever count the page sends back."""

    incomplete: tuple = ()  # the codes of what a report being sent lacks (views.entry), asked about on the page
    key = "measure"  # the hidden field naming a form's row
    # A browser always sends the page's form counts: without them the post was cut short or made by
    # hand. Said in the page's language (Django's own message has no Vietnamese and asks for a bug report).
    default_error_messages = {name: _("The page was sent incomplete: nothing was saved. Reload it and enter the figures again.")
                              for name in ("missing_management_form", "too_many_forms", "too_few_forms")}

    def __init__(self, *args, rows: list[dict], lang: str, **kwargs):
        self.rows, self.lang = rows, lang
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = self._by_row(self.data)

    def _by_row(self, data):
        """The posted forms re-numbered by the row each names (its measure or task), not by its place
        on the page: a row added or moved since the page was opened keeps its own words, and one the
        page did not send is left as stored (_construct_form)."""
        form_field = re.compile(rf"{re.escape(self.prefix)}-(\d+)-(.+)")
        posted: dict[int, dict[str, list]] = {}
        for name in data:
            if match := form_field.fullmatch(name):
                posted.setdefault(int(match[1]), {})[match[2]] = data.getlist(name)
        by_row = {values[self.key][-1]: values for values in posted.values() if values.get(self.key)}
        result = data.copy()
        for name in [name for name in result if form_field.fullmatch(name)]:
            del result[name]
        for index, row in enumerate(self.rows):
            for field, values in by_row.get(str(row[self.key].pk), {}).items():
                result.setlist(f"{self.prefix}-{index}-{field}", values)
        return result

    def _construct_form(self, i, **kwargs):
        if self.is_bound and f"{self.add_prefix(i)}-{self.key}" not in self.data:
            # A row added since the page was opened (a measure or task assigned meanwhile): the
            # page sent nothing for it, so it stays as stored, neither read as cleared nor judged.
            kwargs.update(data=None, files=None)
        return super()._construct_form(i, **kwargs)

    def is_valid(self) -> bool:
        return self.is_bound and not self.non_form_errors() and all(form.is_valid() for form in self.forms if form.is_bound)

    def not_sent(self) -> list[str]:
        """The rows the page did not send (added since it was opened), by code, to say so."""
        return [self.code_of(form.row[self.key]) for form in self.forms if self.is_bound and not form.is_bound]

    def shown_versions(self) -> dict[int, int | None]:
        """The rows the person left as the page showed them: their measure's (or task's) id → the
        version the page showed (None: it showed none). Sending sends them as stored, which must
        then be what the page showed (workflow.changed_since_shown)."""
        shown = {}
        for form in self.forms:
            if self.is_bound and not form.is_bound:  # a row added since the page was opened: it showed none
                shown[form.row[self.key].pk] = None
                continue
            if not form.is_bound or form.touched():
                continue
            try:
                shown[form.row[self.key].pk] = form.fields["version"].clean(form["version"].data)
            except forms.ValidationError:
                continue  # reported beside the field when the form is cleaned
        return shown

    @staticmethod
    def code_of(measure) -> str:
        return measure.code

    def total_form_count(self) -> int:
        return len(self.rows)

    def initial_form_count(self) -> int:
        return len(self.rows)

    def get_form_kwargs(self, index):
        return {"row": self.rows[index], "lang": self.lang}

    @property
    def warnings(self) -> bool:
        return any(form.warnings for form in self.forms)

    def compare_with_the_page(self) -> None:
        """Judge what the person changed against the figure their page showed, not the one
        stored now: a row someone else changed meanwhile, left untouched here, is not written
        (nor reported as a conflict). The page's version names the figure it showed."""
        for form in self.forms:
            figure = form.row["figure"]
            try:
                posted = form.fields["version"].clean(form["version"].data)
            except forms.ValidationError:
                continue  # reported beside the field when the form is cleaned
            if figure is None or posted == figure.version:
                continue
            if posted is None:  # the page showed none: one entered since is not "cleared" by leaving the row empty
                for name in FIGURE_FIELDS:
                    form.initial.pop(name, None)
                form.initial["kind"] = Figure.Kind.OFFICIAL
                continue
            # By the row, not the figure's own history: one cleared and entered again is another row of the table.
            shown = Figure.history.filter(submission_id=figure.submission_id, measure_id=figure.measure_id,
                                          version=posted).order_by("-history_date").first()
            if shown is not None:
                form.initial.update({name: getattr(shown, name) for name in FIGURE_FIELDS})

    def entries(self) -> list[workflow.Entry]:
        """What the person changed: rows left as they were are not written, nor compared."""
        return [form.entry() for form in self.forms if form.is_bound and form.touched()]

    def without_figure(self) -> list[Measure]:
        """The measures that will have no figure once the valid formset is saved."""
        # A flow entered as its year to date alone has its figure (the template allows either or both).
        return [form.row["measure"] for form in self.forms
                if (form.cleaned_data.get("value") is None and form.cleaned_data.get("cumulative") is None
                    and not form.cleaned_data.get("verdict") if form.is_bound else form.row["figure"] is None)]


EntryFormSet = forms.formset_factory(FigureForm, formset=BaseEntryFormSet, extra=0, renderer=ENTRY_RENDERER)


class TaskForm(forms.Form):
    """A unit's assessment and narrative on one task of themes II–VI for the quarter."""

    default_renderer = ENTRY_RENDERER

    task = forms.IntegerField(widget=forms.HiddenInput)  # as FigureForm.measure
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1,
                                 error_messages=STALE_PAGE)

    def __init__(self, *args, row: dict, lang: str, **kwargs):
        self.row, self.lang = row, lang
        report: TaskReport | None = row["report"]
        initial = {"task": row["task"].pk}
        if report is not None:
            initial.update(version=report.version, verdict=report.verdict, narrative=report.narrative)
        super().__init__(*args, initial=initial, **kwargs)
        field = TaskReport._meta.get_field
        self.fields["verdict"] = field("verdict").formfield(required=False, widget=forms.Select(attrs={"class": "form-select"}))
        self.fields["narrative"] = field("narrative").formfield(
            required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}))
        self.warnings: list[str] = []

    def clean(self):
        data = super().clean()
        verdict, narrative = data.get("verdict", ""), (data.get("narrative") or "").strip()
        # Words and verdict go together, as for the qualitative indicators (targets.entry).
        if verdict and not narrative and "narrative" not in self.errors:  # an over-long narrative is not a missing one
            self.add_error("narrative", _("Say in a few words what was done: the assessment needs a narrative."))
        if narrative and not verdict:
            self.add_error("verdict", _("Choose an assessment for this narrative."))
        return data

    def touched(self) -> bool:
        return bool(set(self.changed_data) - {"task", "version"})

    def typed(self) -> list[tuple[str, str]]:
        return typed(self, {"task", "version"})

    def entry(self) -> workflow.TaskEntry:
        data = self.cleaned_data
        return workflow.TaskEntry(task=self.row["task"], verdict=data.get("verdict", ""),
                                  narrative=(data.get("narrative") or "").strip(), version=data.get("version"))


class BaseTaskFormSet(BaseEntryFormSet):
    key = "task"

    def compare_with_the_page(self) -> None:
        """As the figures' (BaseEntryFormSet.compare_with_the_page): what the person changed is judged
        against the report their page showed, so a row someone else changed meanwhile, left as it
        was here, is neither written nor a conflict (sending it then says it changed)."""
        for form in self.forms:
            report = form.row["report"]
            try:
                posted = form.fields["version"].clean(form["version"].data)
            except forms.ValidationError:
                continue
            if report is None or posted == report.version:
                continue
            if posted is None:
                form.initial.update(verdict="", narrative="")
                continue
            shown = TaskReport.history.filter(submission_id=report.submission_id, task_id=report.task_id,
                                              version=posted).order_by("-history_date").first()
            if shown is not None:
                form.initial.update(verdict=shown.verdict, narrative=shown.narrative)

    @staticmethod
    def code_of(task) -> str:
        return task.code

    def entries(self) -> list[workflow.TaskEntry]:
        return [form.entry() for form in self.forms if form.is_bound and form.touched()]

    def without_assessment(self) -> list[Task]:
        """The tasks that will have no assessment once the valid formset is saved."""
        return [form.row["task"] for form in self.forms
                if not (form.cleaned_data.get("verdict") if form.is_bound
                        else form.row["report"] is not None and form.row["report"].verdict)]


TaskFormSet = forms.formset_factory(TaskForm, formset=BaseTaskFormSet, extra=0, renderer=ENTRY_RENDERER)
