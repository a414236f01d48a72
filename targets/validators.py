"""Limits on the text people type: a length and no control characters, on the model fields.

Every text field of the models is declared with these, so a form built from the model fields gets
the `maxlength` attribute (shown by the browser) and the same checks on the server, and code that
saves without a form (the Excel upload, the workflow) checks the same limits through `problems`.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

# Marks that show nothing (zero-width space and joiners, direction marks, word joiner, byte-order
# mark, soft hyphen): a copy from a web page or a PDF leaves them in what looks like an empty box.
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"
_NOTHING_SHOWN = re.compile(rf"[\s{INVISIBLE}]*")


def shows_nothing(text: str | None) -> bool:
    """Whether `text` is empty to the eye: spaces and invisible marks only."""
    return _NOTHING_SHOWN.fullmatch(text or "") is not None

# Limits, in characters. Comments and narratives are as long as people write them: a few thousand.
NAME = 100
SHORT = 300
NOTE = 2000
COMMENT = 4000
LONG = 10000  # programme texts (a theme's description runs to 1,500)

# C0 controls except tab, line feed and carriage return, DEL and the C1 controls: invisible,
# they break exports and PostgreSQL refuses NUL outright; and lone surrogates (a JSON "\ud800"),
# which are no character at all and which no UTF-8 database can store.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# django-simple-history keeps a change's reason in a varchar(100): only short labels go there.
HISTORY_REASON = 100


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


@deconstructible
class NoControlCharacters:
    message = _("Remove the invisible control characters (e.g. pasted from another program) from this text.")
    code = "control_characters"

    def __call__(self, value):
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters)


no_control_characters = NoControlCharacters()


class Lines(forms.CharField):
    """A text box's text with its line breaks as the box counted them: a browser sends each as CR LF,
    two characters where its maxlength counted one, so text the box took came back "too long". A
    lone CR (sent by hand, or pasted from an old Mac file) is a line break too: one form stored, as
    a workbook reads it back (its XML makes every CR a LF), so an untouched upload changes nothing."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class LinesField(models.TextField):
    """A model's multi-line text: its form field, in any form (the admin's included), is `Lines`."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": Lines, **kwargs})


def text_field(verbose_name, max_length: int, **options) -> LinesField:
    """A multi-line text field with a limit: `maxlength` on its form field, checked by the model too
    (Django checks a TextField's max_length only in forms)."""
    return LinesField(verbose_name, max_length=max_length,
                      validators=[MaxLengthValidator(max_length), no_control_characters], **options)


def char_field(verbose_name, max_length: int, validators=(), **options) -> models.CharField:
    """A one-line text field with its limit and no control characters."""
    return models.CharField(verbose_name, max_length=max_length, validators=[no_control_characters, *validators], **options)


# A unit's code is in the site's addresses (/don-vi/024/), its workbooks, the API's unit= and the
# usernames made from it (nhaplieu.024): letters without accents, digits and . _ - only.
code_format = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z", _("Use letters without accents, digits, “.”, “-” or “_”, "
                                                                 "starting with a letter or digit: the code is part of the "
                                                                 "site's addresses and of the workbooks."), code="code_format")


def form_field(model, name: str, **options):
    """The form field of a model field with the model's own validators, for forms that are not
    ModelForms (a ModelForm runs them through the model already)."""
    field = model._meta.get_field(name)
    form_field = field.formfield(**options)
    form_field.validators = [*form_field.validators, *(v for v in field.validators if v not in form_field.validators)]
    return form_field


def problems(model, values: dict[str, str]) -> list[str]:
    """Messages for the values that break their model fields' limits, each starting with the field's name."""
    found = []
    for name, value in values.items():
        field = model._meta.get_field(name)
        try:
            field.run_validators(value)
        except ValidationError as error:
            found += [f"{str(field.verbose_name).capitalize()}: {message}" for message in error.messages]
    return found


def history_reason(text: str) -> str:
    """A reason short enough for the history's reason column; the full text lives in its own field."""
    return Truncator(" ".join(text.split())).chars(HISTORY_REASON)
