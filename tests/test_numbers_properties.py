"""Property-based tests of number formatting and parsing in both languages (hypothesis)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from targets.numbers import NumberFormatError, format_number, parse_number, quantize, unambiguous_text

decimals = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False, places=3)


@given(decimals, st.sampled_from(["vi", "en"]))
def test_what_we_display_reads_back_as_the_same_number_or_is_refused_as_ambiguous(value, lang):
    text = format_number(value, 3, lang)
    try:
        assert parse_number(text, lang) == quantize(value, 3)
    except NumberFormatError as error:
        # Only text that means another number in the other language may be refused.
        assert error.reading is not None and error.reading != quantize(value, 3)


@given(decimals, st.sampled_from(["vi", "en"]))
def test_the_forms_own_text_for_a_number_always_reads_back(value, lang):
    text = unambiguous_text(value, lang)
    assert parse_number(text, lang) == value


@given(st.text(max_size=30), st.sampled_from(["vi", "en"]))
def test_any_text_gives_a_number_or_a_clear_message_never_a_crash(text, lang):
    try:
        result = parse_number(text, lang)
    except NumberFormatError as error:
        assert error.message_vi and error.message_en
    else:
        assert isinstance(result, Decimal) and result.is_finite()


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_a_single_group_separator_is_always_ambiguous(head, tail):
    text = f"{head}.{tail:03d}"
    try:
        parse_number(text, "vi")
    except NumberFormatError as error:
        assert error.reading == Decimal(f"{head}.{tail:03d}")
    else:
        raise AssertionError(f"{text} was read silently")


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["vi", "en"]), st.sampled_from([" ", "\u00a0", "\u202f", "\u2009"]))
def test_a_number_grouped_by_spaces_reads_back(value, lang, space):
    group, _ = {"vi": (".", ","), "en": (",", ".")}[lang]
    text = format_number(Decimal(value), 0, lang).replace(group, space)
    assert parse_number(text, lang) == value


@given(st.integers(min_value=10, max_value=10**12), st.data(), st.sampled_from(["vi", "en"]))
def test_a_space_slipped_into_a_number_never_gives_another_number(value, data, lang):
    digits = str(value)
    at = data.draw(st.integers(min_value=1, max_value=len(digits) - 1))
    text = digits[:at] + " " + digits[at:]
    groups_thousands = len(digits) - at == 3 and at <= 3
    try:
        result = parse_number(text, lang)
    except NumberFormatError as error:
        assert not groups_thousands and error.problem == NumberFormatError.SPACES
    else:
        assert groups_thousands and result == value
