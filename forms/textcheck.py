"""Proofreading of the narrative: garbled characters, Traditional characters, half-width punctuation in
Chinese text, figures the text states that disagree with the tables, the year and the body named in the
text, text copied from last year's report.

Every finding is a warning (the template declares each rule and its severity; a rule a template does not
declare is not checked) with its place: the part (`Problem.section`), the paragraph and the character
offset (`Problem.places`). Where a fix is safe (Traditional → Simplified, half-width → full-width
punctuation) the problem names it (`Problem.fix`) and `fixed_text` / `apply_fix` produce the fixed text;
garbled text has no fix, since nobody can know what it said.

The phrases of TXT-TBL and the cells they stand for are data (`[[narrative_figures]]` in the template
files); this module only knows how to find them. The text is converted to Simplified characters and ASCII
digits before matching, so one set of patterns serves Traditional and Simplified reports alike.

The analysis of a paragraph depends only on its text, so it is cached: re-checking after every keystroke
only analyses the paragraph that changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import lru_cache

from forms.checks import Place, Problem, derived_values, effective_value, fmt
from forms.draft import Draft, Number
from forms.template import NarrativeFigure, Template

KEEP_KEY = "keep_traditional"  # draft.extra: strings (quoted titles …) left in Traditional characters
UNREVISED_KEY = "unrevised"  # draft.extra: {part key: sha256 of the text copied from last year}

FIX_T2S = "t2s"
FIX_FULLWIDTH = "fullwidth"
FIXES = {FIX_T2S: "转换为简体字", FIX_FULLWIDTH: "改为全角标点"}  # fix id -> what the button says

COPIED_THRESHOLD = 0.8  # TEXT-COPIED above this share of the text the same as last year's
COPIED_MIN_CHARS = 30  # shorter parts ("无。") are the same every year and rightly so
MAX_EXAMPLES = 3


# --- Characters ----------------------------------------------------------------------------------------------


def is_cjk(ch: str) -> bool:
    """A Chinese character (the unified ideographs, extension A and beyond, compatibility ideographs)."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F or 0xF900 <= o <= 0xFAFF


_CJK_PUNCT = set("“”‘’…—·")


def is_chinese_context(ch: str) -> bool:
    """A Chinese character or a punctuation mark of Chinese text (、。《》「」【】，：（）“” …)."""
    o = ord(ch)
    return is_cjk(ch) or 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF60 or ch in _CJK_PUNCT


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

_converter = None


@lru_cache(maxsize=8192)
def t2s(text: str) -> str:
    """Simplified characters for `text` (OpenCC t2s, which converts by phrase where a character has several
    Simplified forms)."""
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter.convert(text)


def _normalized(par: str) -> str:
    """The paragraph as the patterns read it: Simplified characters, ASCII digits; the same length, so an
    offset in it is an offset in the paragraph (a conversion that would change the length is not used)."""
    conv = t2s(par)
    if len(conv) != len(par):
        conv = par
    return conv.translate(_FULLWIDTH_DIGITS)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _paragraphs(text: str) -> list[str]:
    return text.split("\n")


def _snippet(par: str, start: int, end: int, before: int = 6, after: int = 4, within=None) -> str:
    """The marked text with a little context, inside `within` (start, end) when given (a clause)."""
    lo, hi = within or (0, len(par))
    s = max(lo, start - before)
    e = min(hi, end + after)
    return ("…" if s > lo else "") + par[s:e] + ("…" if e < hi else "")


def _quote(par: str, clause: tuple[int, int], start: int, end: int, limit: int = 60) -> str:
    """The clause, or for a long clause the part of it around the marked text."""
    cs, ce = clause
    return par[cs:ce] if ce - cs <= limit else _snippet(par, start, end, 20, 12, clause)


def _part_name(tpl: Template, key: str) -> str:
    try:
        heading = tpl.part(key).heading
    except KeyError:
        return key
    return heading or "开头段落"


# --- Garbled characters (TEXT-GARBLED) -----------------------------------------------------------------------

# Latin-1 characters that do occur in Chinese text; every other one between Chinese characters is mojibake.
_LATIN1_OK = set("·×÷°±§²³¹µ¼½¾©®\u00a0\u00ad")
# cp1252 characters that continue a mojibake sequence (UTF-8 bytes 80–9F read as Windows-1252): "â€œ".
_CP1252 = set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")
_SPACES = " \t\u3000"


def _always_garbage(ch: str) -> bool:
    o = ord(ch)
    return ch == "\ufffd" or 0xE000 <= o <= 0xF8FF or 0x80 <= o <= 0x9F


def _latin1_garbage(par: str, i: int) -> bool:
    ch = par[i]
    if not 0xA1 <= ord(ch) <= 0xFF or ch in _LATIN1_OK:
        return False
    if ch.isalpha():  # é in "café": a letter of a Latin word, not mojibake
        prev_ascii = i > 0 and par[i - 1].isascii() and par[i - 1].isalpha()
        next_ascii = i + 1 < len(par) and par[i + 1].isascii() and par[i + 1].isalpha()
        if prev_ascii or next_ascii:
            return False
    return True


def garbled_spans(par: str) -> list[tuple[int, int]]:
    """(start, end) of each garbled run of a paragraph: U+FFFD, private-use and C1 control characters,
    mojibake (UTF-8 read as Latin-1/Windows-1252: Ã, ¤, â€œ), and runs of two or more "?" (a lost character
    shown as a question mark, as in 上??); spaces inside a run belong to it. A single "?" is a question mark."""
    spans = []
    i, n = 0, len(par)
    while i < n:
        ch = par[i]
        if not (ch == "?" or _always_garbage(ch) or _latin1_garbage(par, i)):
            i += 1
            continue
        j, end, marks, other, prev_latin = i, i, 0, 0, False
        while j < n:
            c = par[j]
            if c in _SPACES:
                j += 1
                continue
            if c == "?":
                marks += 1
                prev_latin = False
            elif _always_garbage(c):
                other += 1
                prev_latin = False
            elif _latin1_garbage(par, j) or (prev_latin and c in _CP1252):
                other += 1
                prev_latin = True
            else:
                break
            j += 1
            end = j
        if other or marks >= 2:
            spans.append((i, end))
        i = max(end, i + 1)
    return spans


# --- Traditional characters (TEXT-TRAD) ----------------------------------------------------------------------


def _traditional_positions(par: str) -> tuple[int, ...]:
    """Offsets of the Chinese characters that OpenCC t2s changes (read in context, so a character that is
    also a correct Simplified one in its phrase, as 著 in 显著, is not counted)."""
    conv = t2s(par)
    if len(conv) == len(par):
        return tuple(i for i, (a, b) in enumerate(zip(par, conv, strict=True)) if a != b and is_cjk(a))
    out = []
    for op, a1, a2, _b1, _b2 in SequenceMatcher(None, par, conv, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            out += [i for i in range(a1, a2) if is_cjk(par[i])]
    return tuple(out)


def _kept_spans(par: str, keep: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for k in keep:
        start = par.find(k)
        while start >= 0:
            spans.append((start, start + len(k)))
            start = par.find(k, start + len(k))
    return spans


def _inside(i: int, spans) -> bool:
    return any(s <= i < e for s, e in spans)


def keep_list(draft: Draft) -> tuple[str, ...]:
    keep = draft.extra.get(KEEP_KEY) or []
    if not isinstance(keep, list):
        return ()
    return tuple(k for k in keep if isinstance(k, str) and k)


def to_simplified(text: str, keep: tuple[str, ...] = ()) -> str:
    """`text` in Simplified characters, except inside the kept strings."""
    out = []
    for par in _paragraphs(text):
        spans = sorted(_kept_spans(par, keep))
        pos, pieces = 0, []
        for s, e in spans:
            if s < pos:
                continue  # overlaps a kept string already taken
            pieces.append(t2s(par[pos:s]))
            pieces.append(par[s:e])
            pos = e
        pieces.append(t2s(par[pos:]))
        out.append("".join(pieces))
    return "\n".join(out)


# --- Half-width punctuation (TEXT-HALFWIDTH) -----------------------------------------------------------------

HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"}
_URLISH = re.compile(r"(?:https?://|ftp://|www\.)[A-Za-z0-9./?%&=:#~+_@-]+|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def _neighbour(par: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(par) and par[j] in _SPACES:
        j += step
    return par[j] if 0 <= j < len(par) else ""


def _halfwidth_positions(par: str) -> tuple[int, ...]:
    """Offsets of the half-width , ; : ( ) ? ! that stand in Chinese text: next to a Chinese character or a
    Chinese punctuation mark. Left alone: numbers (1,234  3.5), times (10:30), addresses and e-mails,
    Latin text, garbled runs. A pair of brackets is converted together."""
    protected = [m.span() for m in _URLISH.finditer(par)] + garbled_spans(par)

    def candidate(i: int) -> bool:
        return par[i] in HALF_TO_FULL and not _inside(i, protected)

    def chinese_beside(i: int) -> bool:
        ch = par[i]
        prev, nxt = (par[i - 1] if i > 0 else ""), (par[i + 1] if i + 1 < len(par) else "")
        if ch in ",:" and prev.isdigit() and nxt.isdigit():
            return False  # 1,234  10:30
        return any(c and is_chinese_context(c) for c in (_neighbour(par, i, -1), _neighbour(par, i, 1)))

    out = set()
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for i, ch in enumerate(par):
        if not candidate(i):
            continue
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            pairs[stack.pop()] = i
    paired = set(pairs) | set(pairs.values())
    for o, c in pairs.items():
        if chinese_beside(o) or chinese_beside(c):
            out |= {o, c}
    for i in range(len(par)):
        if candidate(i) and i not in paired and chinese_beside(i):
            out.add(i)
    return tuple(sorted(out))


def to_fullwidth(text: str) -> str:
    """`text` with the half-width punctuation of its Chinese text made full-width (repeated until nothing
    changes, since a converted mark can put its neighbour in Chinese text)."""
    for _ in range(5):
        pars = []
        for par in _paragraphs(text):
            chars = list(par)
            for i in _halfwidth_positions(par):
                chars[i] = HALF_TO_FULL[chars[i]]
            pars.append("".join(chars))
        new = "\n".join(pars)
        if new == text:
            break
        text = new
    return text


# --- One paragraph, analysed once ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Analysis:
    garbled: tuple[tuple[int, int], ...]
    traditional: tuple[int, ...]
    halfwidth: tuple[int, ...]


@lru_cache(maxsize=4096)
def _analyse(par: str) -> _Analysis:
    return _Analysis(tuple(garbled_spans(par)), _traditional_positions(par), _halfwidth_positions(par))


def _runs(positions: list[tuple[int, int]]) -> list[Place]:
    """Consecutive (paragraph, offset) positions merged into places."""
    places: list[Place] = []
    for p, o in positions:
        last = places[-1] if places else None
        if last and last.paragraph == p and last.offset + last.length == o:
            places[-1] = Place(p, last.offset, last.length + 1)
        else:
            places.append(Place(p, o, 1))
    return places


# --- The checks ----------------------------------------------------------------------------------------------


def check_text(draft: Draft) -> list[Problem]:
    """The checks that need nothing but this draft, part by part in the template's order."""
    tpl = draft.tpl
    out: list[Problem] = []
    keep = keep_list(draft)
    values = _Values(draft)
    unrevised = draft.extra.get(UNREVISED_KEY)
    for part in tpl.parts:
        text = draft.sections.get(part.key, "")
        if not text.strip():
            continue
        if isinstance(unrevised, dict) and unrevised.get(part.key) == text_hash(text):
            out += _rule_problem(tpl, "TEXT-UNREVISED", part.key,
                                 f"本部分是从上年报告复制的，尚未修改：请按{draft.year}年度的情况改写"
                                 f"“{_part_name(tpl, part.key)}”。")
        out += _garbled(tpl, part.key, text)
        out += _traditional(tpl, part.key, text, keep)
        out += _halfwidth(tpl, part.key, text)
        out += _year(tpl, part.key, text, draft.year)
        if part.key == "intro":
            out += _body(tpl, part.key, text, draft)
        out += _figures(tpl, part.key, text, values)
    return out


def _rule_problem(tpl: Template, rule_id: str, section: str, message: str, places=(), fix=None,
                  cells=()) -> list[Problem]:
    rule = tpl.rules.get(rule_id)
    if rule is None:
        return []
    return [Problem(rule.severity, rule.id, tuple(cells), message, section, tuple(places), fix)]


def _garbled(tpl: Template, key: str, text: str) -> list[Problem]:
    out = []
    for p, par in enumerate(_paragraphs(text)):
        for s, e in _analyse(par).garbled:
            out += _rule_problem(
                tpl, "TEXT-GARBLED", key,
                f"第{p + 1}段有乱码“{_snippet(par, s, e)}”：可能是复制或转换时丢失的文字，无法自动修正，"
                f"请对照原文重新输入。", [Place(p, s, e - s)])
    return out


def _traditional(tpl: Template, key: str, text: str, keep: tuple[str, ...]) -> list[Problem]:
    found = []
    for p, par in enumerate(_paragraphs(text)):
        kept = _kept_spans(par, keep)
        found += [(p, i, par[i]) for i in _analyse(par).traditional if not _inside(i, kept)]
    if not found:
        return []
    examples = "、".join(list(dict.fromkeys(ch for _, _, ch in found))[:5])
    kept_note = "（标记为保留的引文不转换）" if keep else ""
    return _rule_problem(
        tpl, "TEXT-TRAD", key,
        f"本部分有 {len(found)} 个繁体字（如“{examples}”），报告应使用简体字。可一键转换为简体字{kept_note}。",
        _runs([(p, i) for p, i, _ in found]), FIX_T2S)


def _halfwidth(tpl: Template, key: str, text: str) -> list[Problem]:
    found = []
    for p, par in enumerate(_paragraphs(text)):
        found += [(p, i, par) for i in _analyse(par).halfwidth]
    if not found:
        return []
    examples = "、".join(f"“{_snippet(par, i, i + 1, 3, 3).strip('…')}”" for _, i, par in found[:MAX_EXAMPLES])
    return _rule_problem(
        tpl, "TEXT-HALFWIDTH", key,
        f"本部分有 {len(found)} 处半角标点用在中文里（如{examples}），应使用全角标点（，；：（）？！）。"
        f"可一键改为全角。", [Place(p, i, 1) for p, i, _ in found], FIX_FULLWIDTH)


# --- TEXT-YEAR, TEXT-BODY ------------------------------------------------------------------------------------

_CLAUSE_END = re.compile(r"[。；;！!？?\n]")
_PERIOD = re.compile(r"统计(?:期限|时限|时间|区间|期间)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年")


def _clauses(par: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _CLAUSE_END.finditer(par):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(par)))
    return [(s, e) for s, e in out if e > s]


@lru_cache(maxsize=4096)
def _years_named(par: str, title_suffix: str) -> tuple[tuple[int, int, int, int, int], ...]:
    """(year, start, end, clause start, clause end) of each year written in a report title
    ("2023年政府信息公开工作年度报告") or in the sentence giving the statistics period ("统计期限自2023年1月1日…")."""
    norm = _normalized(par)
    title = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年度?\s*" + re.escape(title_suffix))
    found = {}
    for cs, ce in _clauses(norm):
        clause = norm[cs:ce]
        for m in title.finditer(clause):
            found[cs + m.start(1)] = (int(m.group(1)), cs + m.start(1), cs + m.end(1), cs, ce)
        if _PERIOD.search(clause):
            for m in _YEAR.finditer(clause):
                found.setdefault(cs + m.start(1), (int(m.group(1)), cs + m.start(1), cs + m.end(1), cs, ce))
    return tuple(found[k] for k in sorted(found))


def _year(tpl: Template, key: str, text: str, year: int) -> list[Problem]:
    """One problem per clause naming another year, with a place for each wrong year in it."""
    out = []
    for p, par in enumerate(_paragraphs(text)):
        clauses: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        for y, s, e, cs, ce in _years_named(par, tpl.title_suffix):
            if y != year:
                clauses.setdefault((cs, ce), []).append((y, s, e))
        for (cs, ce), wrong in clauses.items():
            quote = _quote(par, (cs, ce), wrong[0][1], wrong[-1][2])
            years = "、".join(str(y) for y in dict.fromkeys(y for y, _, _ in wrong))
            out += _rule_problem(
                tpl, "TEXT-YEAR", key,
                f"第{p + 1}段“{quote}”写的是 {years} 年，本报告是 {year} 年度的。"
                f"请改为 {year} 年；如确是引用其他年度的报告，可确认此提示。",
                [Place(p, s, e - s) for _, s, e in wrong])
    return out


_MADE_BY = re.compile(r"本(?:年度)?报告(?:是)?由(.{2,40}?)(?:根据|依据|按照|依照|负责|编制|制作|起草|汇总|组织)")
_PLACE = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|州|盟|县|区|旗|镇|乡|街道)")


def _places_at_start(name: str) -> list[str]:
    """The place names a body name starts with: 淮安市洪泽区人民政府 -> [淮安市, 洪泽区]."""
    out, pos = [], 0
    while True:
        m = _PLACE.match(name, pos)
        if not m:
            return out
        out.append(m.group(0))
        pos = m.end()


def _body(tpl: Template, key: str, text: str, draft: Draft) -> list[Problem]:
    """Conservative: only the "本报告由……编制" sentence, and only when the body it names starts with a
    place that is not one of this body's (洪泽区人民政府办公室 in 淮安市人民政府's report)."""
    own = set(_places_at_start(draft.body)) | set(_places_at_start(draft.meta.get("office", "")))
    out = []
    for p, par in enumerate(_paragraphs(text)):
        norm = _normalized(par)
        for m in _MADE_BY.finditer(norm):
            named = m.group(1).strip()
            places = _places_at_start(named)
            if not places or all(pl in own for pl in places):
                continue
            out += _rule_problem(
                tpl, "TEXT-BODY", key,
                f"第{p + 1}段“{_snippet(par, m.start(), m.end(), 0, 2)}”写的机关是“{par[m.start(1):m.end(1)]}”，"
                f"与本报告的机关“{draft.body}”不符（可能是从其他机关的报告复制的）。请核对。",
                [Place(p, m.start(1), m.end(1) - m.start(1))])
    return out


# --- TXT-TBL: figures of the narrative against the tables ----------------------------------------------------


@dataclass(frozen=True)
class _Found:
    figure: int  # index in tpl.narrative_figures
    number: Decimal
    paragraph: int
    start: int  # of the whole phrase, in the paragraph
    end: int
    clause: tuple[int, int]


@lru_cache(maxsize=4096)
def _figures_in(template_id: str, par: str, paragraph: int) -> tuple[_Found, ...]:
    from forms.template import load_template

    tpl = load_template(template_id)
    figures = tpl.narrative_figures
    topics = {f.within.pattern: f.within for f in figures if f.within is not None}
    norm = _normalized(par)
    out: dict[tuple[int, int], _Found] = {}
    for cs, ce in _clauses(norm):
        clause = norm[cs:ce]
        marks = sorted((m.start(), key) for key, rx in topics.items() for m in rx.finditer(clause))
        for index, fig in enumerate(figures):
            for m in fig.pattern.finditer(clause):
                if fig.within is not None:
                    before = [key for start, key in marks if start < m.start()]
                    if not before or before[-1] != fig.within.pattern:
                        continue
                number = _number(m.group("n"), fig)
                if number is None:
                    continue
                where = (cs + m.start("n"), index)
                out.setdefault(where, _Found(index, number, paragraph, cs + m.start(), cs + m.end(), (cs, ce)))
    return tuple(sorted(out.values(), key=lambda f: f.start))


def _number(text: str, fig: NarrativeFigure) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    if not fig.money and value != value.to_integral_value():
        return None
    return value


class _Values:
    """The figures of the tables as the narrative should quote them, computed once per check."""

    def __init__(self, draft: Draft):
        self.draft = draft
        self.memo: dict = {}
        self._derived: dict | None = None

    def get(self, key: str) -> Number | None:
        tpl = self.draft.tpl
        if key in tpl.cells:
            return effective_value(tpl, self.draft.values, key, self.memo)
        if self._derived is None:
            self._derived = derived_values(self.draft)
        return self._derived.get(key)


def _describe_value(tpl: Template, key: str) -> tuple[str, tuple[str, ...]]:
    """A table figure in the table's own words, and the cells behind it."""
    if key in tpl.cells:
        return tpl.describe(key), (key,)
    d = tpl.derived_item(key)
    first = tpl.cells[d.parts[0]]
    table = tpl.table(first.table)
    return f"{table.name}“{d.label}”行“{first.col_label}”列（各项之和）", d.parts


def _figures(tpl: Template, key: str, text: str, values: _Values) -> list[Problem]:
    if not tpl.narrative_figures or "TXT-TBL" not in tpl.rules:
        return []
    out = []
    for p, par in enumerate(_paragraphs(text)):
        for found in _figures_in(tpl.id, par, p):
            fig = tpl.narrative_figures[found.figure]
            parts = [values.get(v) for v in fig.values]
            if any(v is None for v in parts):
                continue  # a blank cell: nothing to compare yet (the blank is warned about)
            table_value = sum(parts)
            if table_value == found.number:
                continue
            described = [_describe_value(tpl, v) for v in fig.values]
            where = "加".join(d for d, _ in described) + ("之和" if len(described) > 1 else "")
            cells = tuple(c for _, cs in described for c in cs)
            quote = _quote(par, found.clause, found.start, found.end)
            out += _rule_problem(
                tpl, "TXT-TBL", key,
                f"第{p + 1}段“{quote}”写{fig.name} {fmt(found.number)}，但{where}是 {fmt(table_value)}。"
                f"请核对文字或表格，使两者一致。",
                [Place(p, found.start, found.end - found.start)], cells=cells)
    return out


# --- TEXT-COPIED: against last year's report -----------------------------------------------------------------


@lru_cache(maxsize=256)
def similarity(a: str, b: str) -> float:
    """The share of the two texts that is the same (difflib's ratio, by character, whitespace ignored)."""
    a, b = "".join(a.split()), "".join(b.split())
    if not a or not b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() <= COPIED_THRESHOLD or matcher.quick_ratio() <= COPIED_THRESHOLD:
        return matcher.quick_ratio()
    return matcher.ratio()


def check_copied(draft: Draft, previous: Draft) -> list[Problem]:
    """TEXT-COPIED: each part compared with its counterpart in last year's report. A part still flagged
    TEXT-UNREVISED is not reported twice."""
    tpl = draft.tpl
    if "TEXT-COPIED" not in tpl.rules:
        return []
    mapping = tpl.mapping_from(previous.template)
    pairs = mapping.sections if mapping else {k: k for k in tpl.section_keys if k in previous.sections}
    unrevised = draft.extra.get(UNREVISED_KEY)
    unrevised = unrevised if isinstance(unrevised, dict) else {}
    out = []
    for src_key, key in pairs.items():
        text, last = draft.sections.get(key, ""), previous.sections.get(src_key, "")
        if len("".join(text.split())) < COPIED_MIN_CHARS or len("".join(last.split())) < COPIED_MIN_CHARS:
            continue
        if unrevised.get(key) == text_hash(text):
            continue
        ratio = similarity(text, last)
        if ratio <= COPIED_THRESHOLD:
            continue
        out += _rule_problem(
            tpl, "TEXT-COPIED", key,
            f"“{_part_name(tpl, key)}”与上年报告相同部分约 {round(ratio * 100)}%：请按{draft.year}年度的情况改写，"
            f"避免内容雷同。")
    return out


# --- Fixes ---------------------------------------------------------------------------------------------------


def fix_section_text(fix: str, text: str, keep: tuple[str, ...] = ()) -> str:
    if fix == FIX_T2S:
        return to_simplified(text, keep)
    if fix == FIX_FULLWIDTH:
        return to_fullwidth(text)
    raise KeyError(fix)


def fixed_text(draft: Draft, problem: Problem) -> str | None:
    """The text of the problem's part with its fix applied, or None when the problem has no fix. For the
    application's undo command: it sets this text as one edit."""
    if not problem.fix or not problem.section:
        return None
    return fix_section_text(problem.fix, draft.sections.get(problem.section, ""), keep_list(draft))


def apply_fix(draft: Draft, problem: Problem) -> bool:
    """Applies the problem's fix to the draft; False when it has none or nothing changed."""
    text = fixed_text(draft, problem)
    if text is None or text == draft.sections.get(problem.section, ""):
        return False
    draft.sections[problem.section] = text
    return True
