"""Turn what a clerk types or pastes into a table cell into a value, or a refusal.

A refusal carries a reason in Simplified Chinese that quotes what was typed and
says what to type instead. Choices made here:

- Blank stays blank (``Parsed(None)``): an unfilled cell is not the same as 0.
- Only full-width ASCII forms (``１２３``, ``，``, ``．``, ``－``) and odd spaces/minus
  signs are normalised. Full NFKC is not used because it would silently turn
  ``10²`` into ``102`` or ``①`` into ``1``.
- Counts accept ``3.0`` / ``3.`` as 3: the digits after the point are all zero,
  so nothing is lost (spreadsheets often paste integers that way).
- Money keeps the digits as typed except trailing zeros after the point, which
  are dropped (``7730.280`` -> ``Decimal("7730.28")``, ``12.00`` -> ``Decimal("12")``).
  Those zeros carry no amount, so they also do not count towards ``decimals``.
  ``Decimal.normalize()`` is not used: it would turn 100 into ``1E+2``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal

MAX_ABS = 10**9

# Units a clerk may append to a number. Longest first, so "人次" wins over "人"/"次"
# and "万元" over "元".
KNOWN_UNITS = ("人次", "万元", "件", "条", "个", "人", "次", "篇", "元")

# Full-width ASCII (U+FF01..U+FF5E) maps to ASCII by a fixed offset; plus the
# spaces and minus signs that Word/Excel/WPS paste, and zero-width characters.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: " ", 0x00A0: " ", 0x2212: "-", 0xFE63: "-", 0x200B: None, 0xFEFF: None})

_CHINESE_NUMERALS = set("〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億")
# Sign, integer part with optional commas, optional fraction; at least one digit.
_NUMBER = re.compile(r"([+-]?)(?=\.?\d)(\d+(?:,\d+)*)?(?:\.(\d*))?")
_SCIENTIFIC = re.compile(r"[+-]?[\d.,]*\d[\d.,]*[eE][+-]?\d+")
_SEVERAL = re.compile(r"[+-]?[\d.,]+(?:[\s/、;~-]+[+-]?[\d.,]+)+")


class Kind(enum.StrEnum):
    COUNT = "count"  # non-negative integer (件数, 人次 ...)
    SIGNED = "signed"  # integer that may be negative (增减)
    MONEY = "money"  # non-negative Decimal with limited decimal places


@dataclass(frozen=True)
class Parsed:
    value: int | Decimal | None  # None = blank (not filled; NOT the same as 0)
    error: str | None = None  # Chinese reason when refused; value is None then

    @property
    def ok(self) -> bool:
        return self.error is None


def _refuse(reason: str) -> Parsed:
    return Parsed(None, reason)


def parse_value(text: str, kind: Kind | str, unit: str = "件", decimals: int = 4) -> Parsed:
    kind = Kind(kind)
    s = text.translate(_WIDTH).strip()
    if not s:
        return Parsed(None)
    # Quote what the clerk typed (not our normalised form), shortened for long pastes.
    typed = text.strip()
    q = f"“{typed if len(typed) <= 20 else typed[:20] + '…'}”"
    example = {Kind.COUNT: "12", Kind.SIGNED: "-3", Kind.MONEY: "7730.28"}[kind]

    if s.startswith("="):
        return _refuse(f"{q}是公式：不接受公式，请填写算好的数字，如 {example}")

    # Strip a trailing unit; a mismatch is only reported when the rest is a number,
    # otherwise the number itself is the first problem to tell the clerk about.
    units = sorted({*KNOWN_UNITS, unit} - {""}, key=len, reverse=True)
    found = next((u for u in units if s.endswith(u)), None)
    if found:
        s = s[: -len(found)].rstrip()
        if found != unit and _NUMBER.fullmatch(s):
            fix = (
                f"本格单位是{unit}，您填的是{found}，请换算成{unit}后只填数字"
                if unit
                else "本格不带单位，请去掉单位只填数字"
            )
            return _refuse(f"{q}的单位不对：{fix}")

    if s and _NUMBER.fullmatch(s) is None:
        if "%" in s:
            return _refuse(f"{q}是百分数：本格不接受百分号，请只填数字，如 {example}")
        if _CHINESE_NUMERALS & set(s):
            return _refuse(f"{q}不是数字：请用阿拉伯数字填写，如 {example}")
        if _SCIENTIFIC.fullmatch(s):
            return _refuse(f"{q}是科学计数法：请写成完整的数字，如 1000")
        if _SEVERAL.fullmatch(s):
            return _refuse(f"{q}里有多个数字：一格只能填一个数字")
    m = _NUMBER.fullmatch(s)
    if m is None:  # also catches a bare unit such as "件"
        return _refuse(f"{q}不是数字：请只填阿拉伯数字，如 {example}；没有请填 0")

    sign, whole, frac = m.group(1), m.group(2) or "0", (m.group(3) or "").rstrip("0")
    groups = whole.split(",")
    if len(groups) > 1 and not (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        return _refuse(f"{q}的千分位分隔符位置不对：逗号应每三位一个，如 1,234；小数请用小数点，如 12.34")

    # Built from the string, never via float, so money is exact.
    number = Decimal(f"{sign}{whole.replace(',', '')}.{frac}" if frac else f"{sign}{whole.replace(',', '')}")
    if number.is_zero():
        number = abs(number)  # "-0" is just 0
    if abs(number) > MAX_ABS:
        return _refuse(f"{q}数字过大（超过 10 亿）：请核对是否多填了位数或单位填错")

    if kind is Kind.MONEY:
        if number < 0:
            return _refuse(f"{q}不能为负数：金额请填 0 或正数")
        if len(frac) > decimals:
            most = f"最多填 {decimals} 位小数" if decimals else "只能填整数"
            return _refuse(f"{q}的小数位太多：本格{most}，请核对")
        return Parsed(number)

    if frac:
        what = f"{unit}数" if unit else "这里"
        return _refuse(f"{q}不是整数：{what}必须是整数，如 {example}")
    if kind is Kind.COUNT and number < 0:
        return _refuse(f"{q}不能为负数：请填 0 或正整数")
    return Parsed(int(number))


def format_value(value: int | Decimal | None, kind: Kind | str) -> str:
    """Display text for a parsed value: no thousands separators, never an exponent."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if Kind(kind) is not Kind.MONEY and value == value.to_integral_value():
            return str(int(value))
        return format(value, "f")  # plain notation: Decimal("1E+2") -> "100"
    return str(value)
