"""Vietnamese and English numbers: rounding, formatting for display, strict parsing of input.

Plain Python (no database): run with `-p no:django` if Django is not installed.
"""

from decimal import Decimal as D

import pytest

from targets.numbers import NumberFormatError, format_number, format_percent, parse_number, quantize

# --- quantize ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, places, rounded",
    [
        ("2.25", 1, "2.3"),  # half up, where banker's rounding would give 2.2
        ("2.35", 1, "2.4"),
        ("2.249", 1, "2.2"),
        ("-2.25", 1, "-2.3"),  # half up means away from zero for negatives too
        ("0.125", 2, "0.13"),
        ("0.5", 0, "1"),
        ("1.5", 0, "2"),
        ("2.5", 0, "3"),
        ("-0.5", 0, "-1"),
        ("75", 1, "75.0"),
        ("1234.5678", 3, "1234.568"),
        ("1E+30", 2, "1000000000000000000000000000000.00"),  # beyond the default 28 digits
    ],
)
def test_quantize_rounds_half_up(value, places, rounded):
    result = quantize(D(value), places)
    assert result == D(rounded)
    assert str(result) == rounded  # the exponent is exactly `places`, trailing zeros kept


# --- format_number / format_percent ----------------------------------------------------------


@pytest.mark.parametrize(
    "value, places, vi, en",
    [
        ("1234.5", 1, "1.234,5", "1,234.5"),
        ("1234567.891", 2, "1.234.567,89", "1,234,567.89"),
        ("1234567890", 0, "1.234.567.890", "1,234,567,890"),
        ("75", 1, "75,0", "75.0"),  # trailing zeros kept to `places`
        ("75", 0, "75", "75"),
        ("0.5", 3, "0,500", "0.500"),
        ("999", 0, "999", "999"),
        ("1000", 0, "1.000", "1,000"),
        ("999.5", 0, "1.000", "1,000"),  # rounding carries into a new group
        ("2.25", 1, "2,3", "2.3"),
        ("2.35", 1, "2,4", "2.4"),
        ("-1.25", 2, "-1,25", "-1.25"),
        ("-1234.5", 1, "-1.234,5", "-1,234.5"),
        ("-2.25", 1, "-2,3", "-2.3"),
        ("-0.04", 1, "0,0", "0.0"),  # no "-0,0"
        ("-0", 0, "0", "0"),
        ("0", 0, "0", "0"),
        ("0.05", 1, "0,1", "0.1"),
        ("3200000", 0, "3.200.000", "3,200,000"),
    ],
)
def test_format_number(value, places, vi, en):
    assert format_number(D(value), places, "vi") == vi
    assert format_number(D(value), places, "en") == en


@pytest.mark.parametrize("lang, expected", [("vi", "1.234,5"), ("vi-VN", "1.234,5"), ("en", "1,234.5"), ("en-GB", "1,234.5"), ("", "1.234,5")])
def test_language_codes_with_regions_and_vietnamese_by_default(lang, expected):
    assert format_number(D("1234.5"), 1, lang) == expected


def test_ints_and_floats_are_shown_as_written():
    assert format_number(1234, 0, "vi") == "1.234"
    assert format_number(0.1, 2, "en") == "0.10"
    assert format_number(2.675, 2, "en") == "2.68"  # binary 2.67499… would round down


def test_negative_places_are_refused():
    with pytest.raises(ValueError):
        format_number(D("1"), -1, "vi")


def test_missing_values_show_an_en_dash():
    assert format_number(None, 1, "vi") == "–"
    assert format_number(None, 0, "en") == "–"
    assert format_percent(None, 1, "vi") == "–"
    assert format_percent(None, 1, "en") == "–"


@pytest.mark.parametrize(
    "value, places, vi, en",
    [
        ("75.24", 1, "75,2 %", "75.2 %"),
        ("75.25", 1, "75,3 %", "75.3 %"),
        ("100", 1, "100,0 %", "100.0 %"),
        ("-13.636", 1, "-13,6 %", "-13.6 %"),
        ("1234.5", 0, "1.235 %", "1,235 %"),
    ],
)
def test_format_percent_has_a_space_before_the_sign(value, places, vi, en):
    assert format_percent(D(value), places, "vi") == vi
    assert format_percent(D(value), places, "en") == en


# --- parse_number: what is accepted ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("1.234,5", "1234.5"),
        ("1234,5", "1234.5"),
        ("1.234,0", "1234.0"),  # the dot groups thousands in Vietnamese
        ("1,2340", "1.2340"),  # and the comma is the decimal mark
        ("1,5", "1.5"),
        ("0,5", "0.5"),
        ("1.234.567", "1234567"),
        ("1.234.567,891", "1234567.891"),
        ("12.345,0", "12345.0"),
        ("2460", "2460"),
        ("0", "0"),
        ("007", "7"),
        ("-2,75", "-2.75"),
        ("+7,5", "7.5"),
        ("\u22121,2", "-1.2"),  # a typographic minus pasted from a document
        ("- 1,2", "-1.2"),
        (" 2 460 ", "2460"),
        ("1\u00a0234,5", "1234.5"),  # no-break space
        ("1\u202f234,5", "1234.5"),  # narrow no-break space
        ("1\t234", "1234"),
        ("\u200b12", "12"),  # a zero-width space pasted from a web page
        ("\ufeff57,25\u200e", "57.25"),  # a byte-order mark and a direction mark from a PDF
    ],
)
def test_parse_vietnamese(text, value):
    result = parse_number(text, "vi")
    assert result == D(value)
    assert str(result) == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("1,234.5", "1234.5"),
        ("1234.5", "1234.5"),
        ("1,234.0", "1234.0"),
        ("1.2340", "1.2340"),
        ("1.5", "1.5"),
        ("1,234,567", "1234567"),
        ("1,234,567.891", "1234567.891"),
        ("+7.5", "7.5"),
        ("-0.25", "-0.25"),
        ("0", "0"),
        (" 3 200 000 ", "3200000"),
    ],
)
def test_parse_english(text, value):
    result = parse_number(text, "en")
    assert result == D(value)
    assert str(result) == value


@pytest.mark.parametrize("text", ["-0", "-0,0", "+0"])
def test_minus_zero_is_plain_zero(text):
    result = parse_number(text, "vi")
    assert result == 0
    assert not result.is_signed()


def test_a_region_code_selects_the_notation():
    assert parse_number("1.234,5", "vi-VN") == D("1234.5")
    assert parse_number("1,234.5", "en-US") == D("1234.5")


@pytest.mark.parametrize(
    "text, lang, value, reading",
    [("1.234", "vi", "1234", "1.234"), ("1,234", "vi", "1.234", "1234"), ("1,234", "en", "1234", "1.234"),
     ("12.500", "en", "12.5", "12500")],
)
def test_ambiguous_input_is_refused_with_both_readings(text, lang, value, reading):
    with pytest.raises(NumberFormatError) as caught:
        parse_number(text, lang)
    assert caught.value.reading == D(reading)
    message = caught.value.message(lang)
    assert ("hai cách" if lang == "vi" else "two ways") in message
    assert format_number(D(value), max(0, -D(value).as_tuple().exponent), lang) in message


def test_the_ambiguity_message_suggests_an_unambiguous_form():
    with pytest.raises(NumberFormatError) as caught:
        parse_number("1.234", "vi")
    assert caught.value.message_vi == (
        "«1.234» có thể hiểu theo hai cách: 1.234 hoặc 1,234. Nếu là 1.234 hãy nhập 1234; nếu là 1,234 hãy nhập 1,2340."
    )


# --- parse_number: what is refused -----------------------------------------------------------


def refused(text, lang):
    with pytest.raises(NumberFormatError) as caught:
        parse_number(text, lang)
    return caught.value


def test_english_notation_on_a_vietnamese_page_is_refused_with_its_reading():
    error = refused("1,234.5", "vi")
    assert isinstance(error, ValueError)
    assert error.reading == D("1234.5")
    assert error.message_vi == (
        "«1,234.5» không đúng định dạng số tiếng Việt (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân). "
        "Nếu ý bạn là 1.234,5 hãy nhập 1.234,5."
    )
    assert error.message_en == (
        "“1,234.5” is not a number in Vietnamese format (dot for thousands, comma for decimals). "
        "If you mean 1,234.5, type 1.234,5."
    )
    assert error.message("vi") == error.message_vi
    assert error.message("en") == error.message_en
    assert str(error) == error.message_en


def test_vietnamese_notation_on_an_english_page_is_refused_with_its_reading():
    error = refused("1.234,5", "en")
    assert error.reading == D("1234.5")
    assert error.message_en == (
        "“1.234,5” is not a number in English format (comma for thousands, point for decimals). "
        "If you mean 1,234.5, type 1,234.5."
    )
    assert error.message_vi == (
        "«1.234,5» không đúng định dạng số tiếng Anh (dấu phẩy phân cách hàng nghìn, dấu chấm thập phân). "
        "Nếu ý bạn là 1.234,5 hãy nhập 1,234.5."
    )


@pytest.mark.parametrize(
    "text, lang, reading, hint_vi",
    [
        ("12.34", "vi", "12.34", "Nếu ý bạn là 12,34 hãy nhập 12,34."),  # bad grouping here, a decimal in English
        ("1,234,567", "vi", "1234567", "Nếu ý bạn là 1.234.567 hãy nhập 1.234.567."),  # several decimal marks
        ("0.123", "vi", "0.123", "Nếu ý bạn là 0,123 hãy nhập 0,123."),  # 0.123 is no grouping of 123
        ("1,234.50", "vi", "1234.50", "Nếu ý bạn là 1.234,50 hãy nhập 1.234,50."),  # decimals kept as typed
        ("-1,234.5", "vi", "-1234.5", "Nếu ý bạn là -1.234,5 hãy nhập -1.234,5."),
        ("12,34", "en", "12.34", "Nếu ý bạn là 12,34 hãy nhập 12.34."),
        ("1.234.567", "en", "1234567", "Nếu ý bạn là 1.234.567 hãy nhập 1,234,567."),
        ("0,5", "en", "0.5", "Nếu ý bạn là 0,5 hãy nhập 0.5."),
        ("1.2345", "vi", "1.2345", "Nếu ý bạn là 1,2345 hãy nhập 1,2345."),  # a group of four is no grouping
        ("1,23", "en", "1.23", "Nếu ý bạn là 1,23 hãy nhập 1.23."),
    ],
)
def test_text_valid_only_in_the_other_notation_gives_its_reading(text, lang, reading, hint_vi):
    error = refused(text, lang)
    assert error.reading == D(reading)
    assert str(error.reading) == reading
    assert error.message_vi.endswith(hint_vi)
    assert error.message_vi.startswith(f"«{text}» không đúng định dạng số tiếng {'Việt' if lang == 'vi' else 'Anh'}")


@pytest.mark.parametrize(
    "text, lang",
    [
        ("abc", "vi"),
        ("1e5", "vi"),
        ("1E5", "en"),
        ("NaN", "vi"),
        ("Infinity", "en"),
        ("--1", "vi"),
        ("+-1", "en"),
        ("1-", "vi"),
        (",5", "vi"),
        ("5,", "vi"),
        (".5", "en"),
        ("5.", "en"),
        ("1..2", "en"),
        ("1,,2", "vi"),
        ("1,2,3", "vi"),  # several decimal marks, and no grouping in English either
        ("1.2.3", "en"),
        ("1.23.456", "vi"),  # a group of two in the middle
        ("12.34.5,6", "vi"),
        ("1.234,5,6", "vi"),
        ("1,234.5.6", "en"),
        ("\u0661\u0662", "vi"),  # Arabic-Indic digits are not ASCII digits
        ("½", "en"),
        ("12 %x", "vi"),
    ],
)
def test_what_is_no_number_in_either_notation_is_refused_without_reading(text, lang):
    error = refused(text, lang)
    assert error.reading is None
    if lang == "vi":
        assert error.message_vi == (
            f"«{text}» không phải là số theo định dạng tiếng Việt (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân), ví dụ 1.234,5."
        )
        assert error.message_en == (
            f"“{text}” is not a number in Vietnamese format (dot for thousands, comma for decimals), e.g. 1.234,5."
        )
    else:
        assert error.message_en == (
            f"“{text}” is not a number in English format (comma for thousands, point for decimals), e.g. 1,234.5."
        )
        assert error.message_vi == (
            f"«{text}» không phải là số theo định dạng tiếng Anh (dấu phẩy phân cách hàng nghìn, dấu chấm thập phân), ví dụ 1,234.5."
        )


@pytest.mark.parametrize("text", ["", "   ", "\u00a0", "\t\n"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_empty_text_is_refused_with_its_own_message(text, lang):
    error = refused(text, lang)
    assert error.message_vi == "Chưa nhập số."
    assert error.message_en == "No number was entered."
    assert error.reading is None


def test_none_is_treated_as_empty():
    assert refused(None, "vi").message_en == "No number was entered."


@pytest.mark.parametrize(
    "text, lang, vi, en",
    [
        ("12%", "vi", "«12%»: hãy nhập số không kèm ký hiệu %, ví dụ 12.", "“12%”: type the number without the % sign, e.g. 12."),
        ("75,2 %", "vi", "«75,2 %»: hãy nhập số không kèm ký hiệu %, ví dụ 75,2.", "“75,2 %”: type the number without the % sign, e.g. 75,2."),
        ("75.2%", "en", "«75.2%»: hãy nhập số không kèm ký hiệu %, ví dụ 75.2.", "“75.2%”: type the number without the % sign, e.g. 75.2."),
    ],
)
def test_a_percent_sign_is_refused_with_the_bare_number_suggested(text, lang, vi, en):
    error = refused(text, lang)
    assert (error.message_vi, error.message_en) == (vi, en)
    assert error.reading is None


def test_a_percent_sign_after_a_number_of_the_other_notation_gives_the_general_message():
    error = refused("75.2%", "vi")
    assert error.message_vi.startswith("«75.2%» không phải là số")


# --- parse_number: spaces inside a number ----------------------------------------------------

# The spaces people group digits with: ordinary, no-break, narrow no-break, thin.
GROUPING_SPACES = [" ", "\u00a0", "\u202f", "\u2009"]


@pytest.mark.parametrize("space", GROUPING_SPACES)
@pytest.mark.parametrize(
    "text, lang, value",
    [
        ("1 234", "vi", "1234"),
        ("52 345", "vi", "52345"),
        ("1 234 567,5", "vi", "1234567.5"),
        ("1 234,5", "vi", "1234.5"),
        ("-1 234,5", "vi", "-1234.5"),
        ("- 1 234,5", "vi", "-1234.5"),
        ("123 456 789", "vi", "123456789"),
        ("1 234.5", "en", "1234.5"),
        ("52 345", "en", "52345"),
    ],
)
def test_a_space_between_groups_of_three_digits_is_a_thousands_separator(text, lang, value, space):
    result = parse_number(text.replace(" ", space), lang)
    assert result == D(value) and str(result) == value


@pytest.mark.parametrize("space", GROUPING_SPACES)
@pytest.mark.parametrize(
    "text, lang",
    [
        ("45 6", "vi"),  # a slip for 45,6: never read as 456
        ("1 23 456", "vi"),  # a group of two in the middle
        ("12 34", "vi"),
        ("1 2345", "vi"),  # a group of four
        ("1234 567", "vi"),  # four digits before the first space
        ("0 123", "vi"),  # 0 123 is no grouping of 123, as 0.123 is not
        ("45,6 7", "vi"),  # after the decimal mark
        ("1 234,567 8", "vi"),
        ("12,345 678", "vi"),
        ("1.234 567", "vi"),  # spaces and dots both grouping the same number
        ("-45 6", "vi"),
        ("45 6", "en"),
        ("1 23 456.5", "en"),
        ("45.6 7", "en"),
    ],
)
def test_a_space_that_does_not_group_thousands_is_refused_never_dropped(text, lang, space):
    typed = text.replace(" ", space)
    error = refused(typed, lang)
    assert error.problem == NumberFormatError.SPACES
    assert error.reading is None and not error.ambiguous
    assert error.message_vi.startswith(f"«{typed}»: dấu cách không phân cách hàng nghìn")
    assert error.message_en.startswith(f"“{typed}”: the spaces do not separate thousands")


def test_the_space_message_says_how_to_type_the_number():
    error = refused("45 6", "vi")
    assert error.message_vi == (
        "«45 6»: dấu cách không phân cách hàng nghìn (nhóm ba chữ số) nên không rõ là số nào. Hãy nhập số không có "
        "dấu cách, theo định dạng tiếng Việt (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân), ví dụ 1.234,5."
    )
    assert error.message_en == (
        "“45 6”: the spaces do not separate thousands (groups of three digits), so the number is unclear. Type it "
        "without spaces, in Vietnamese format (dot for thousands, comma for decimals), e.g. 1.234,5."
    )
    assert refused("45 6", "en").message_en.endswith("in English format (comma for thousands, point for decimals), e.g. 1,234.5.")


@pytest.mark.parametrize(
    "text, lang, problem",
    [
        ("1 234.5", "vi", NumberFormatError.OTHER_NOTATION),  # grouped by spaces, English decimal point: as before
        ("1 234,5", "en", NumberFormatError.OTHER_NOTATION),
        ("1 234", "vi", None),  # no ambiguity: a space is no decimal mark in either notation
        ("75,2 %", "vi", NumberFormatError.PERCENT_SIGN),  # a space before the sign is no grouping
        ("1 234,5 %", "vi", NumberFormatError.PERCENT_SIGN),
        ("12 %x", "vi", NumberFormatError.NOT_A_NUMBER),
        ("4\u200b56", "vi", None),  # an invisible mark is not a space the person saw
    ],
)
def test_spaces_that_group_thousands_leave_the_other_rules_as_they_were(text, lang, problem):
    if problem is None:
        parse_number(text, lang)
    else:
        assert refused(text, lang).problem == problem


# --- places_to_tell_apart --------------------------------------------------------------------


@pytest.mark.parametrize(
    "places, value, others, shown",
    [
        (1, "10.17", ["10.2"], 2),  # 10,2 / 10,2 would hide that the target is missed
        (1, "10.24", ["10.2"], 2),
        (1, "10.3", ["10.2"], 1),  # already apart
        (1, "10.2", ["10.2"], 1),  # equal: nothing to tell apart
        (0, "2459.9999", ["2460"], 4),
        (1, "59.29", [None, "59.3"], 2),
        (2, "1.0000001", ["1"], 6),  # never more than the database's six decimals
        (1, None, ["10.2"], 1),
    ],
)
def test_places_to_tell_apart_adds_decimals_only_where_rounding_hides_a_difference(places, value, others, shown):
    from targets.numbers import places_to_tell_apart

    value = D(value) if value is not None else None
    assert places_to_tell_apart(places, value, *(D(o) if o is not None else None for o in others)) == shown


def test_an_ambiguous_text_carries_both_readings():
    with pytest.raises(NumberFormatError) as refused:
        parse_number("50.000", "vi")
    assert refused.value.ambiguous and (refused.value.value, refused.value.reading) == (D("50000"), D("50.000"))
    with pytest.raises(NumberFormatError) as refused:
        parse_number("1,234.5", "vi")
    assert not refused.value.ambiguous


@pytest.mark.parametrize(
    "value, places, vi",
    [("244.946", 1, "244,946"), ("244.900000", 1, "244,9"), ("50", 1, "50,0"), ("1234567.891", 0, "1.234.567,891"), (None, 1, "–")],
)
def test_format_exact_shows_every_digit_of_what_will_be_stored(value, places, vi):
    from targets.numbers import format_exact

    assert format_exact(D(value) if value is not None else None, places, "vi") == vi


@pytest.mark.parametrize("text, value, said", [
    ("(3) Thu ngân sách nhà nước trên địa bàn đạt 2.460 tỷ đồng", "2460", True),
    ("Tăng trưởng GRDP đạt 7,5%", "7.5", True),
    ("đạt 12.460 tỷ đồng", "2460", False),
    ("đạt 2.4601 tỷ đồng", "2.46", False),
    ("đạt 7,55%", "7.5", False),
    ("", "1", False),
    ("(4) Thu hút 3,2 triệu lượt khách du lịch", "3200000", True),  # in words, as programmes write large figures
    ("(12) Tỷ lệ che phủ rừng đạt 59,3%", "12", False),  # the indicator's own number
])
def test_an_official_wording_mentions_a_target_as_a_vietnamese_document_writes_it(text, value, said):
    from targets.numbers import mentions

    assert mentions(text, D(value)) is said


# --- the entry page: a space that groups no thousands is refused there too ---------------------
# (needs the database, unlike the rest of this file)


@pytest.mark.parametrize("text, value", [("45 6", None), ("45\u00a06", None), ("1 234,5", "1234.5"), ("52\u202f345", "52345")])
def test_the_entry_check_reads_spaces_only_as_thousands(db, programme, text, value):
    from targets.entry import check_input
    from targets.models import Measure

    checked = check_input(Measure.objects.get(code="3"), text=text, lang="vi")
    if value is None:
        assert not checked.ok and checked.value is None
        assert checked.errors == [refused(text, "vi").message_vi]
    else:
        assert checked.ok and checked.value == D(value)


def test_a_figure_typed_with_a_stray_space_on_the_entry_page_is_refused_and_not_stored(client, open_year):
    from django.urls import reverse

    from targets.models import Figure, Measure, Unit
    from tests.conftest import make_user
    from tests.formdata import form_data

    client.force_login(make_user("reporter-city", "reporter", units=[Unit.objects.get(code="024")]))
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1, "unit": "024"}).content.decode())
    pk = str(Measure.objects.get(code="3").pk)
    prefix = next(k.rsplit("measure", 1)[0] for k, v in data.items() if k.endswith("measure") and v == pk)
    data[prefix + "value"] = "45 6"
    data["action"] = "save"
    response = client.post(reverse("entry"), data)
    assert response.status_code == 200
    assert "«45 6»: dấu cách không phân cách hàng nghìn" in response.content.decode()
    assert not Figure.objects.filter(measure__code="3").exists()
