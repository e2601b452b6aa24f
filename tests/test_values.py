import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.values import MAX_ABS, Kind, Parsed, format_value, parse_value

FULL_WIDTH = str.maketrans("0123456789,.-+", "０１２３４５６７８９，．－＋")


def refused(text, kind=Kind.COUNT, unit="件", decimals=4) -> str:
    """Parse expecting a refusal; return the reason."""
    result = parse_value(text, kind, unit, decimals)
    assert not result.ok and result.value is None, result
    assert result.error
    return result.error


# --- Parsed -----------------------------------------------------------------


def test_parsed_ok_property():
    assert Parsed(3).ok
    assert Parsed(None).ok  # blank is fine, just not filled
    assert not Parsed(None, "不是数字").ok


def test_kind_accepts_plain_strings():
    assert parse_value("12", "count") == Parsed(12)
    assert parse_value("-3", "signed") == Parsed(-3)
    assert parse_value("1.5", "money", "万元") == Parsed(Decimal("1.5"))


# --- blank ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", " ", "   ", "\t", "\n", "\u3000", "\u00a0", " \t\u3000\u00a0\r\n", "\u200b"]
)
@pytest.mark.parametrize("kind", list(Kind))
def test_blank_stays_blank(text, kind):
    assert parse_value(text, kind) == Parsed(None)


@pytest.mark.parametrize("text", ["0", " 0 ", "0.0"])
def test_zero_is_not_blank(text):
    assert parse_value(text, Kind.COUNT) == Parsed(0)
    assert parse_value(text, Kind.MONEY).value == Decimal(0)


# --- normalisation ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", 12),
        ("  12  ", 12),
        ("\u300012\u3000", 12),
        ("\t12\n", 12),
        ("\u00a012", 12),
        ("１２３", 123),
        ("１，２３４", 1234),
        ("１,234", 1234),
        ("３．０", 3),
        ("007", 7),
        ("+3", 3),
        ("-0", 0),
    ],
)
def test_count_accepts(text, expected):
    result = parse_value(text, Kind.COUNT)
    assert result == Parsed(expected)
    assert type(result.value) is int


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-3", -3),
        ("+3", 3),
        ("\u22123", -3),
        ("－3", -3),
        ("－３", -3),
        ("-1,234", -1234),
        ("0", 0),
        ("12", 12),
    ],
)
def test_signed_accepts(text, expected):
    assert parse_value(text, Kind.SIGNED) == Parsed(expected)


def test_superscripts_are_not_silently_digits():
    # NFKC would read "10²" as 102; we refuse instead.
    refused("10²")
    refused("①")


# --- thousands separators ---------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1,234", 1234),
        ("1，234", 1234),
        ("12,345,678", 12345678),
        ("999,999", 999999),
        ("1,000,000,000", MAX_ABS),
    ],
)
def test_thousands_separators(text, expected):
    assert parse_value(text, Kind.COUNT) == Parsed(expected)


def test_thousands_separators_in_money():
    assert parse_value("1,234.56", Kind.MONEY, "万元") == Parsed(Decimal("1234.56"))


@pytest.mark.parametrize("text", ["12,34", "1,2345", "1234,567", "1,23,456", "7730,28", "1,2"])
def test_misplaced_separators_refused(text):
    assert "千分位分隔符位置不对" in refused(text)


@pytest.mark.parametrize("text", [",123", "1,234,", "1,,234", "1,234.5,6"])
def test_stray_separators_refused(text):
    refused(text)


# --- units ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind, unit, expected",
    [
        ("12件", Kind.COUNT, "件", 12),
        ("12 件", Kind.COUNT, "件", 12),
        ("１２件", Kind.COUNT, "件", 12),
        ("7730.28万元", Kind.MONEY, "万元", Decimal("7730.28")),
        ("3元", Kind.MONEY, "元", Decimal(3)),
        ("5条", Kind.COUNT, "条", 5),
        ("5个", Kind.COUNT, "个", 5),
        ("5人", Kind.COUNT, "人", 5),
        ("5次", Kind.COUNT, "次", 5),
        ("5篇", Kind.COUNT, "篇", 5),
        ("5人次", Kind.COUNT, "人次", 5),
        ("-5件", Kind.SIGNED, "件", -5),
        ("5份", Kind.COUNT, "份", 5),  # a template's own unit is accepted too
    ],
)
def test_matching_unit_stripped(text, kind, unit, expected):
    assert parse_value(text, kind, unit) == Parsed(expected)


@pytest.mark.parametrize(
    "text, kind, unit, typed_unit",
    [
        ("5元", Kind.MONEY, "万元", "元"),
        ("5万元", Kind.MONEY, "元", "万元"),
        ("12条", Kind.COUNT, "件", "条"),
        ("12人", Kind.COUNT, "人次", "人"),
        ("12次", Kind.COUNT, "人次", "次"),
        ("12人次", Kind.COUNT, "次", "人次"),
        ("12件", Kind.COUNT, "", "件"),
    ],
)
def test_other_unit_refused_naming_both(text, kind, unit, typed_unit):
    reason = refused(text, kind, unit)
    if unit:
        assert f"本格单位是{unit}，您填的是{typed_unit}，请换算成{unit}" in reason
    else:
        assert "本格不带单位，请去掉单位" in reason


@pytest.mark.parametrize("text", ["件", "万元", "元"])
def test_unit_alone_is_not_a_number(text):
    assert "不是数字" in refused(text, Kind.COUNT, "件")


def test_unit_only_once():
    refused("12件件")


# --- count and signed -------------------------------------------------------


@pytest.mark.parametrize("text", ["3.0", "3.", "3.000", "1,234.0"])
def test_count_accepts_integral_decimals(text):
    assert type(parse_value(text, Kind.COUNT).value) is int


@pytest.mark.parametrize("kind", [Kind.COUNT, Kind.SIGNED])
@pytest.mark.parametrize("text", ["1.5", "0.1", ".5", "-1.5"])
def test_fractions_refused_for_integers(text, kind):
    # Checked before the sign, so "-1.5" in a count cell is told about the fraction first.
    assert "件数必须是整数" in refused(text, kind)


def test_fraction_message_follows_unit():
    assert "人次数必须是整数" in refused("1.5", Kind.COUNT, "人次")


@pytest.mark.parametrize("text", ["-3", "－3", "\u22123", "-1,234", "-0.5"])
def test_count_refuses_negative(text):
    reason = refused(text, Kind.COUNT)
    assert "不能为负数" in reason or "必须是整数" in reason


def test_count_negative_message():
    assert "不能为负数" in refused("-3")


# --- money ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", Decimal("12")),
        ("7730.28", Decimal("7730.28")),
        ("0.0001", Decimal("0.0001")),
        (".5", Decimal("0.5")),
        ("12.", Decimal("12")),
        ("1,000,000,000", Decimal(MAX_ABS)),
        ("１２．５", Decimal("12.5")),
    ],
)
def test_money_accepts(text, expected):
    value = parse_value(text, Kind.MONEY, "万元").value
    assert isinstance(value, Decimal)
    assert value == expected
    assert str(value) == str(expected)  # same digits, not just the same amount


@pytest.mark.parametrize(
    "text, shown",
    [("7730.280", "7730.28"), ("12.00", "12"), ("1.00000", "1"), ("100", "100"), ("-0", "0"), ("0.000", "0")],
)
def test_money_drops_trailing_zeros_after_point_only(text, shown):
    assert str(parse_value(text, Kind.MONEY, "万元").value) == shown


@pytest.mark.parametrize("text, decimals", [("1.23456", 4), ("0.00001", 4), ("1.234", 2), ("1.5", 0)])
def test_money_too_many_places_refused(text, decimals):
    reason = refused(text, Kind.MONEY, "万元", decimals)
    assert "小数位太多" in reason
    assert (f"最多填 {decimals} 位小数" if decimals else "只能填整数") in reason


@pytest.mark.parametrize("text, decimals", [("1.2345", 4), ("1.23", 2), ("1.0", 0)])
def test_money_places_at_limit_accepted(text, decimals):
    assert parse_value(text, Kind.MONEY, "万元", decimals).ok


@pytest.mark.parametrize("text", ["-1", "-0.5", "－3"])
def test_money_refuses_negative(text):
    assert "不能为负数" in refused(text, Kind.MONEY, "万元")


def test_money_is_exact():
    # 0.1 is not exact as a float; we must get exactly one tenth.
    assert parse_value("0.1", Kind.MONEY).value == Decimal("0.1")
    assert parse_value("999999999.9999", Kind.MONEY).value == Decimal("999999999.9999")


# --- refusals ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["十二", "三千", "3千", "一百件", "两", "壹佰", "1.2万"])
def test_chinese_numerals_refused(text):
    assert "请用阿拉伯数字填写" in refused(text)


def test_chinese_numeral_message_quotes_text():
    assert refused("十二") == "“十二”不是数字：请用阿拉伯数字填写，如 12"


@pytest.mark.parametrize("text", ["1e3", "1E3", "1.5e-3", "2E+5", "１ｅ３"])
@pytest.mark.parametrize("kind", list(Kind))
def test_scientific_notation_refused(text, kind):
    assert "科学计数法" in refused(text, kind)


@pytest.mark.parametrize("text", ["=SUM(A1)", "=1+2", "=", " =A1", "＝5"])
def test_formulas_refused(text):
    assert "不接受公式" in refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "+Infinity",
        "abc",
        "12a",
        "a12",
        "-",
        "+",
        ".",
        "—",
        "无",
        "¥12",
        "(3)",
        "0x10",
    ],
)
@pytest.mark.parametrize("kind", list(Kind))
def test_garbage_refused(text, kind):
    assert "不是数字" in refused(text, kind)


@pytest.mark.parametrize("text", ["1 2", "1  2", "1\t2", "1、2", "1/2", "3-5", "1,234 5"])
def test_several_numbers_refused(text):
    assert "多个数字" in refused(text)


@pytest.mark.parametrize("text", ["5%", "５％", "12.5%", "%"])
def test_percent_refused(text):
    assert "百分" in refused(text, Kind.MONEY, "万元")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("1000000001", Kind.COUNT),
        ("-1000000001", Kind.SIGNED),
        ("1000000000.0001", Kind.MONEY),
        ("9" * 5000, Kind.COUNT),
    ],
)
def test_too_large_refused(text, kind):
    assert "数字过大" in refused(text, kind, "万元")


@pytest.mark.parametrize(
    "text, kind", [("1000000000", Kind.COUNT), ("-1000000000", Kind.SIGNED), ("1000000000.0", Kind.MONEY)]
)
def test_limit_itself_accepted(text, kind):
    assert abs(parse_value(text, kind).value) == MAX_ABS


REFUSED_SAMPLES = [
    ("十二", Kind.COUNT, "件"),
    ("1e3", Kind.COUNT, "件"),
    ("=SUM(A1)", Kind.COUNT, "件"),
    ("NaN", Kind.MONEY, "万元"),
    ("abc", Kind.COUNT, "件"),
    ("1 2", Kind.COUNT, "件"),
    ("5%", Kind.COUNT, "件"),
    ("12,34", Kind.COUNT, "件"),
    ("5元", Kind.MONEY, "万元"),
    ("1.5", Kind.COUNT, "件"),
    ("-3", Kind.COUNT, "件"),
    ("-3", Kind.MONEY, "万元"),
    ("1.23456", Kind.MONEY, "万元"),
    ("2000000000", Kind.SIGNED, "件"),
]


@pytest.mark.parametrize("text, kind, unit", REFUSED_SAMPLES)
def test_refusal_quotes_text_and_has_no_english(text, kind, unit):
    reason = refused(text, kind, unit)
    assert f"“{text}”" in reason
    rest = reason.replace(f"“{text}”", "")
    assert not re.search(r"[A-Za-z'\"\\]", rest), reason  # no reprs, no English words
    assert re.search(r"[\u4e00-\u9fff]", rest)


def test_long_paste_is_shortened_in_message():
    reason = refused("这是一段很长的说明文字" * 20)
    assert "…”" in reason
    assert len(reason) < 80


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_value("1", "percent")


# --- format_value -----------------------------------------------------------


@pytest.mark.parametrize(
    "value, kind, shown",
    [
        (None, Kind.COUNT, ""),
        (None, Kind.MONEY, ""),
        (1234, Kind.COUNT, "1234"),
        (-3, Kind.SIGNED, "-3"),
        (0, Kind.COUNT, "0"),
        (Decimal("1E+2"), Kind.MONEY, "100"),
        (Decimal("7730.28"), Kind.MONEY, "7730.28"),
        (Decimal("1E-4"), Kind.MONEY, "0.0001"),
        (Decimal("12"), "money", "12"),
        (Decimal("3.0"), Kind.COUNT, "3"),
    ],
)
def test_format_value(value, kind, shown):
    assert format_value(value, kind) == shown


# --- properties -------------------------------------------------------------

counts = st.integers(min_value=0, max_value=MAX_ABS)


@given(counts)
def test_count_round_trips_plain(n):
    assert parse_value(str(n), Kind.COUNT) == Parsed(n)
    assert parse_value(format_value(n, Kind.COUNT), Kind.COUNT) == Parsed(n)


@given(counts, st.sampled_from([",", "，"]))
def test_count_round_trips_with_separators(n, comma):
    assert parse_value(f"{n:,}".replace(",", comma), Kind.COUNT) == Parsed(n)


@given(counts, st.booleans())
def test_count_round_trips_full_width(n, grouped):
    text = (f"{n:,}" if grouped else str(n)).translate(FULL_WIDTH)
    assert parse_value(f"\u3000{text}件 ", Kind.COUNT) == Parsed(n)


@given(st.integers(min_value=-MAX_ABS, max_value=MAX_ABS), st.sampled_from(["-", "\u2212", "－"]))
def test_signed_round_trips(n, minus):
    text = str(n).replace("-", minus)
    assert parse_value(text, Kind.SIGNED) == Parsed(n)


@given(st.integers(min_value=MAX_ABS + 1))
def test_beyond_limit_always_refused(n):
    assert "数字过大" in refused(str(n))


@given(st.decimals(min_value=0, max_value=MAX_ABS, places=4, allow_nan=False, allow_infinity=False))
def test_money_round_trips(d):
    parsed = parse_value(format_value(d, Kind.MONEY), Kind.MONEY, "万元")
    assert parsed.ok and parsed.value == d
    # Parsing what we display gives the same display again.
    shown = format_value(parsed.value, Kind.MONEY)
    assert format_value(parse_value(shown, Kind.MONEY).value, Kind.MONEY) == shown
    assert "E" not in shown and "e" not in shown


@given(
    st.one_of(st.text(), st.text(alphabet="0123456789,.，．+-−－eE %=件元万人次十 \u3000")),
    st.sampled_from(list(Kind)),
    st.sampled_from(["件", "万元", "人次", ""]),
    st.integers(min_value=0, max_value=6),
)
def test_never_raises_and_result_is_consistent(text, kind, unit, decimals):
    result = parse_value(text, kind, unit, decimals)
    assert isinstance(result, Parsed)
    if not result.ok:
        assert result.value is None
        assert re.search(r"[\u4e00-\u9fff]", result.error)
    elif result.value is not None:
        assert abs(result.value) <= MAX_ABS
        if kind is Kind.MONEY:
            assert isinstance(result.value, Decimal) and result.value >= 0
            assert result.value.as_tuple().exponent >= -decimals
        else:
            assert type(result.value) is int
            assert kind is Kind.SIGNED or result.value >= 0
