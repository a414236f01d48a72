"""Numbers in Vietnamese and English: the one rounding helper, display formatting, strict parsing.

Vietnamese writes 1.234,5 (dot for thousands, comma for decimals); English writes 1,234.5.
Parsing is strict because a misread figure in an official report is worse than a refused one:
text that is not a well-formed number in the page's language is refused, and when it would be
a number in the other language the message says what it would have meant there, so the user
can retype it rather than have it silently reinterpreted.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from targets.language import language
from targets.validators import INVISIBLE

DASH = "–"  # en dash: "no figure", as printed reports show it

# (thousands separator, decimal mark)
SEPARATORS = {"vi": (".", ","), "en": (",", ".")}

# The notation of each language, named in the message's language.
FORMAT_NAMES = {
    "vi": gettext_lazy("Vietnamese format (dot for thousands, comma for decimals)"),
    "en": gettext_lazy("English format (comma for thousands, point for decimals)"),
}
EXAMPLES = {"vi": "1.234,5", "en": "1,234.5"}

# Spaces people paste in from Word or Excel, including the no-break kinds used for grouping, and
# the invisible marks a copy from a web page or a PDF carries (validators.INVISIBLE): "12" with
# one of them is still 12.
_SPACES = re.compile(rf"[\s\u00a0\u2007\u202f{INVISIBLE}]")
# A space between two digits groups thousands only in a number's whole part, in groups of three
# ("1 234 567,5"). Anywhere else ("45 6", "1 23 456", "12,3 4") it is refused, never dropped:
# "45 6" may be a slip for 45,6 as well as 456.
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_SPACE = r"[\s\u00a0\u2007\u202f]+"
_SPACED_DIGITS = re.compile(rf"[0-9]+(?:{_SPACE}[0-9]+)+")
_GROUPED_BY_SPACES = re.compile(rf"[1-9][0-9]{{0,2}}(?:{_SPACE}[0-9]{{3}})+")
# A minus sign copied from a typeset document is still a minus sign.
_MINUS = "\u2212"


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half up to `places` decimals: the project's only rounding, used for display."""
    value = Decimal(value)
    with localcontext() as ctx:
        # The default 28 digits would make quantize fail on very large figures.
        ctx.prec = max(ctx.prec, value.adjusted() + places + 2)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# The locale a number format names ("[$-42A]#,##0.0"). LibreOffice prints a number in the separators
# of the locale its format names, whatever the printing machine's own: the Vietnamese report prints
# 2.460,5 on any machine, not 2,460.5. Excel takes the separators from Windows' regional settings
# whatever the format says (docs/deployment.md).
EXCEL_LOCALES = {"vi": "[$-42A]", "en": "[$-409]"}


def excel_format(places: int, lang: str | None, before: str = "") -> str:
    """The spreadsheet number format of a figure shown with `places` decimals in the separators of
    `lang` ("[$-42A]#,##0.0": 2.460,5), with the words `before` it ('"≤ "'). Without a language, the
    reader's own separators: the templates people type figures into, which LibreOffice would also
    read typed numbers in the named locale's separators."""
    return EXCEL_LOCALES.get(lang, "") + before + "#,##0" + ("." + "0" * places if places else "")


def typed_decimals(value: Decimal) -> int:
    """How many decimals `value` carries as written (10.170 → 3, 1E+3 → 0)."""
    return max(0, -value.as_tuple().exponent)


def fits_a_double(value: Decimal) -> bool:
    """Whether a number cell (a double, about 15 digits, in Excel and openpyxl alike) holds `value`
    exactly: 1234567890123.456789 comes back as 1234567890123.457."""
    return Decimal(repr(float(value))) == value


def places_to_tell_apart(places: int, value: Decimal | None, *others: Decimal | None, limit: int = 6) -> int:
    """At least `places` decimals, more where rounding would make `value` look equal to one of
    `others` although it is not (10.17 against a target of 10.2 at one decimal shows 10.2 / 10.2
    and "not met"): the decimals it takes to tell them apart, at most `limit`."""
    if value is None:
        return places
    value = _as_decimal(value)
    shown = places
    for other in others:
        if other is None:
            continue
        other = _as_decimal(other)
        while value != other and shown < limit and quantize(value, shown) == quantize(other, shown):
            shown += 1
    return shown


def _as_decimal(value) -> Decimal:
    # A float reaching a template must show as typed (0.1), not as its binary expansion.
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def format_number(value: Decimal | None, places: int, lang: str) -> str:
    """`value` rounded half up to `places` decimals, trailing zeros kept, in `lang`'s notation.

    None is shown as an en dash. A value that rounds to zero is shown without a sign ("0,0",
    never "-0,0").
    """
    if value is None:
        return DASH
    if places < 0:
        raise ValueError(f"places must be 0 or more, not {places}")
    group, point = SEPARATORS[language(lang)]
    rounded = quantize(_as_decimal(value), places)
    sign = "-" if rounded < 0 else ""
    english = f"{abs(rounded):,.{places}f}"
    # Swap through a placeholder so the two separators do not overwrite each other.
    text = english.replace(",", "\x00").replace(".", point).replace("\x00", group)
    return sign + text


def format_exact(value: Decimal | None, places: int, lang: str) -> str:
    """`value` with every digit it has, and at least `places` decimals: for showing what will be
    stored (an upload's preview), where display rounding would hide a difference."""
    if value is None:
        return DASH
    value = _as_decimal(value)
    return format_number(value, max(places, typed_decimals(value.normalize())), lang)


def format_percent(value: Decimal | None, places: int, lang: str) -> str:
    """A percentage as Vietnamese reports write it, with a space before the sign: "75,2 %"."""
    if value is None:
        return DASH
    return f"{format_number(value, places, lang)} %"


class NumberFormatError(ValueError):
    """Text that is not a number in the page's language (`lang`).

    `problem` says why (EMPTY, AMBIGUOUS, OTHER_NOTATION, PERCENT_SIGN, SPACES, NOT_A_NUMBER); message()
    words it in any language, with numbers in that language's notation. `reading` is the value
    the text would have in the other language's notation, or None if it is not a number there
    either.
    """

    EMPTY, AMBIGUOUS, OTHER_NOTATION, PERCENT_SIGN, NOT_A_NUMBER = "empty", "ambiguous", "other_notation", "percent_sign", "not_a_number"
    SPACES = "spaces"  # spaces between digits that do not group thousands: "45 6"

    def __init__(self, problem: str, text: str = "", lang: str = "vi", reading: Decimal | None = None,
                 value: Decimal | None = None, bare: Decimal | None = None):
        self.problem, self.text, self.lang = problem, text, language(lang)
        self.reading = reading
        # Set only when the text is ambiguous: its value in the page's own notation. Whoever
        # knows what the figure may be (targets.entry) can accept it when the other reading
        # is impossible for the measure.
        self.value = value
        self.bare = bare  # the number typed before a "%" sign
        super().__init__(self.message("en"))

    @property
    def ambiguous(self) -> bool:
        return self.value is not None

    def message(self, lang: str | None = None) -> str:
        """The problem in `lang` (the active language when None)."""
        shown = language(lang)
        with override(shown):
            if self.problem == self.EMPTY:
                return _("No number was entered.")
            if self.problem == self.AMBIGUOUS:
                # How to type each reading so that it cannot be read the other way: the person
                # knows which was meant ("244,946" thousand, or 244 and a fraction).
                return _("“%(text)s” can be read two ways: %(value)s or %(reading)s. For %(value)s type %(plain)s; "
                         "for %(reading)s type %(other)s.") % {
                    "text": self.text, "value": _as_typed(self.value, shown), "reading": _as_typed(self.reading, shown),
                    "plain": unambiguous_text(self.value, self.lang), "other": unambiguous_text(self.reading, self.lang)}
            if self.problem == self.OTHER_NOTATION:
                return _("“%(text)s” is not a number in %(format)s. If you mean %(reading)s, type %(typed)s.") % {
                    "text": self.text, "format": FORMAT_NAMES[self.lang], "reading": _as_typed(self.reading, shown),
                    "typed": _as_typed(self.reading, self.lang)}
            if self.problem == self.PERCENT_SIGN:
                return _("“%(text)s”: type the number without the %% sign, e.g. %(bare)s.") % {
                    "text": self.text, "bare": _as_typed(self.bare, self.lang)}
            if self.problem == self.SPACES:
                return _("“%(text)s”: the spaces do not separate thousands (groups of three digits), so the number is "
                         "unclear. Type it without spaces, in %(format)s, e.g. %(example)s.") % {
                    "text": self.text, "format": FORMAT_NAMES[self.lang], "example": EXAMPLES[self.lang]}
            return _("“%(text)s” is not a number in %(format)s, e.g. %(example)s.") % {
                "text": self.text, "format": FORMAT_NAMES[self.lang], "example": EXAMPLES[self.lang]}

    @property
    def message_vi(self) -> str:
        return self.message("vi")

    @property
    def message_en(self) -> str:
        return self.message("en")


def _pattern(group: str, point: str) -> re.Pattern[str]:
    g, p = re.escape(group), re.escape(point)
    # Grouped integers must start with a non-zero group: "0.123" is not 123 in any report.
    # ASCII digits only: \d would also accept other scripts' digits.
    return re.compile(rf"[+-]?(?:[1-9][0-9]{{0,2}}(?:{g}[0-9]{{3}})+|[0-9]+)(?:{p}[0-9]+)?")


_PATTERNS = {lang: _pattern(*seps) for lang, seps in SEPARATORS.items()}


def _spaces_group_thousands(text: str) -> bool:
    """Whether every space between two digits of `text` separates groups of three digits of its
    first run of digits, the whole part: "1 234,5" and "- 1 234" yes; "45 6", "0 123", "12,345 678" no."""
    text = _INVISIBLE.sub("", text)
    first = re.search("[0-9]", text)
    return all(run.start() == first.start() and _GROUPED_BY_SPACES.fullmatch(run.group())
               for run in _SPACED_DIGITS.finditer(text))


def _read(text: str, lang: str) -> Decimal | None:
    """The value of cleaned `text` in `lang`'s notation, or None if it is not a number there."""
    if not _PATTERNS[lang].fullmatch(text):
        return None
    group, point = SEPARATORS[lang]
    value = Decimal(text.replace(group, "").replace(point, "."))
    return value.copy_abs() if value == 0 else value  # "-0" is plain zero


def _as_typed(value: Decimal, lang: str) -> str:
    """`value` in `lang`'s notation with exactly the decimals it was typed with."""
    return format_number(value, typed_decimals(value), lang)


def unambiguous_text(value: Decimal, lang: str) -> str:
    """How to type `value` so that parse_number reads it back in `lang` without ambiguity:
    no thousands separator, no trailing zeros, and a zero added after exactly three decimals
    ("1,234" could be English 1234, "1,2340" cannot)."""
    lang = language(lang)
    group, point = SEPARATORS[lang]
    text = _as_typed(value.normalize() if value == value.to_integral_value() else value, lang).replace(group, "")
    if point in text:
        text = text.rstrip("0").rstrip(point)
    if point in text and len(text.split(point)[1]) == 3:
        text += "0"
    return text


def parse_number(text: str, lang: str) -> Decimal:
    """Read a number typed in `lang`'s notation, strictly; raise NumberFormatError otherwise.

    A leading "+" or "-" is allowed. Thousands separators must stand between groups of exactly
    three digits; at most one decimal mark, after them. A space (of any kind) between digits is a
    thousands separator in the same way ("1 234,5"), and text where it is not ("45 6") is refused;
    spaces elsewhere ("- 1,2", " 45,6 ") are ignored.
    Text that means different numbers in the two notations ("1.234": 1234 in Vietnamese,
    1.234 in English) is refused as ambiguous, with both readings, never guessed; "1,234.5"
    or "12.34" on a Vietnamese page are refused with the English reading in the message.
    """
    lang = language(lang)
    other = "en" if lang == "vi" else "vi"
    shown = (text or "").strip()
    cleaned = _SPACES.sub("", text or "").replace(_MINUS, "-")
    if not cleaned:
        raise NumberFormatError(NumberFormatError.EMPTY, shown, lang)
    if not _spaces_group_thousands(text):
        raise NumberFormatError(NumberFormatError.SPACES, shown, lang)

    value = _read(cleaned, lang)
    reading = _read(cleaned, other)
    if value is not None and reading is not None and value != reading:
        # "1.234" is 1234 in Vietnamese but 1.234 in English: refuse rather than guess.
        raise NumberFormatError(NumberFormatError.AMBIGUOUS, shown, lang, reading, value)
    if value is not None:
        return value
    if reading is not None:
        raise NumberFormatError(NumberFormatError.OTHER_NOTATION, shown, lang, reading)
    if cleaned.endswith("%") and (bare := _read(cleaned[:-1], lang)) is not None:
        # Percent measures have "%" as their unit already; the figure is the bare number.
        raise NumberFormatError(NumberFormatError.PERCENT_SIGN, shown, lang, bare=bare)
    raise NumberFormatError(NumberFormatError.NOT_A_NUMBER, shown, lang)


# How a programme writes large figures in words: "3,2 triệu lượt khách" is 3.200.000.
_SCALE_WORDS = ((Decimal(10) ** 9, "tỷ"), (Decimal(10) ** 6, "triệu"), (Decimal(10) ** 3, "nghìn"))


def mentions(text: str, value: Decimal) -> bool:
    """Whether `text` (an official wording) writes `value` as a Vietnamese document does: "đạt
    2.460 tỷ đồng" mentions 2460, "tăng 7,5%" mentions 7.5, "3,2 triệu lượt khách" 3200000;
    "12.460" and "2.4601" do not mention 2460, nor an indicator's own number "(12)" 12."""
    said = [re.escape(format_exact(value, 0, "vi"))]
    said += [re.escape(format_exact(value / scale, 0, "vi")) + rf"\s*{word}" for scale, word in _SCALE_WORDS if abs(value) >= scale]
    return any(re.search(rf"(?<![\d.,(]){s}(?!\d|[.,]\d)", text or "") for s in said)
