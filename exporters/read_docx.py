"""Read a Word report (.docx) into a draft: our own export, or last year's report as a clerk typed it.

Nothing here knows a row label, a heading or a merge: every text it looks for comes from the template
(forms/templates/*.toml). What it knows is how clerks type them, and it tolerates that:

- Text is compared after `_norm`: no whitespace or line breaks at all, full-width ASCII folded to ASCII
  (so （）：，． and ()：,. are the same), every kind of quote mark unified, "1、"/"1．" read as "1.", and
  Traditional characters of headings and labels read as Simplified (武山 2016 is in Traditional).
- A row label matches a template row when it is equal, or equal without its numbering ("予以公开" for
  "（一）予以公开"), or equal without parenthesised notes, or one or two characters off (edit distance ≤ 1,
  ≤ 2 for labels of 8 characters or more), or a clear part of it ("规范性文件" for "行政规范性文件"), or
  a close copy with a few characters dropped (difflib ratio ≥ 0.8: "2.其他法律行政止公开"). Numbering must
  agree when both sides have one. Where two rows fit equally, the group cells of the row decide
  ("3.其他" under （六）).
- Columns: table 三 (and the legacy 统计表) by the header texts when every column header is found,
  otherwise the last data columns in template order; table 二 the value cells after the row label in
  template order (merges deduplicated, an unmerged single value followed by empty cells accepted);
  table 四 the cells of its data row in header order.
- Part headings: the part's numeral plus difflib ratio ≥ 0.6 on the text after it (so 五 may read
  "存在的主要问题及整改措施" or "政府信息公开工作存在的主要问题及改进情况"), or ratio ≥ 0.9 without a numeral;
  parts are found in order. Legacy reports also by the heading_keywords their template declares (reference format-legacy.md §2).

A blank cell stays blank (never 0); every figure goes through forms.values.parse_value, and a refused one
is left blank and reported in `unread` with its table, row, column and text. Stated totals are kept as
stated: forms.checks reports the ones that do not add up.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from exporters.importing import ImportResult
from exporters.layout import ANNEX_HEADING, closing_lines, numbering_level, standard_intro
from exporters.safety import SourceError, check_office_file
from forms.draft import Draft, new_draft, template_for_year
from forms.template import Cell, Table, Template, TemplateError, available_templates, load_template
from forms.values import parse_value

OURS = "nianbao"  # core properties category of the files exporters/docx.py writes
MAX_TABLE_ROWS = 400  # a real report's biggest table (the legacy 统计表) has 66 rows
MAX_TABLE_CELLS = 20000
MAX_TITLE_CHARS = 80
MAX_HEADING_CHARS = 45

# --- Text normalisation --------------------------------------------------------------------------------

_TRAD = "開報請況問題進議訟訴復減費構經機員總體與動應說項統計務關縣區鎮鄉辦廳實據規範處發門網數級條號標點屬當並執結轉維糾審營護權聯繫會對於為這個們時間來從後內團圖書長電話郵編廣場設訊視覽歷財預決導專業職責記錄證類舉訪複覆"
_SIMP = "开报请况问题进议讼诉复减费构经机员总体与动应说项统计务关县区镇乡办厅实据规范处发门网数级条号标点属当并执结转维纠审营护权联系会对于为这个们时间来从后内团图书长电话邮编广场设讯视览历财预决导专业职责记录证类举访复复"
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}  # full-width ASCII -> ASCII
_FOLD.update({ord(t): ord(s) for t, s in zip(_TRAD, _SIMP, strict=True)})
_FOLD.update({ord(q): '"' for q in "“”„‟＂「」『』‘’'′″"})
_FOLD.update({0x200B: None, 0xFEFF: None, 0x00AD: None, ord("．"): ".", ord("﹒"): "."})
_SPACE = re.compile(r"\s+")
_ARABIC_NUM = re.compile(r"^(\d{1,2})[、.,](?!\d)")
_NUMBERING = re.compile(r"^(\d{1,2}\.(?!\d)|\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}、)")
_PAREN_NOTE = re.compile(r"\([^()]*\)")
_HEADING_PUNCT = re.compile(r"[、,.:;!?\"《》<>()\[\]【】—\-_·…。：；！？]")
_CN_NUMERAL = re.compile(r"^([一二三四五六七八九十]{1,3})([、.,:]?)(.*)$")
_DASHES = re.compile(r"^[-—–－/／\\、\s]+$")
_NUMBER_LIKE = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?(万元|元|件|条|个|人次|人|次|篇|项)?$")
_YEAR = re.compile(r"((?:20)\d{2})\s*年")
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_TOP_MARK = re.compile(r"^[(【\[]?(征求意见稿|送审稿|草稿|初稿|附件\d*)[)】\]]?$")


def _norm(text: str) -> str:
    """The comparison form of a label or heading (see the module doc)."""
    s = _SPACE.sub("", text.translate(_FOLD))
    return _ARABIC_NUM.sub(r"\1.", s)


def _numbering(key: str) -> str:
    m = _NUMBERING.match(key)
    return m.group(1) if m else ""


def _strip_numbering(key: str) -> str:
    return key[len(_numbering(key)):]


def _heading_key(text: str) -> str:
    return _HEADING_PUNCT.sub("", text)


def _cn_count(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if 0 <= n <= 10 else str(n)


def _short_name(tpl: Template) -> str:
    """'2021年格式（国办公开办函〔2021〕30号）' -> '2021年格式'."""
    return re.split(r"[（(]", tpl.name, maxsplit=1)[0]


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it must exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


@lru_cache(maxsize=65536)
def _similar(a: str, b: str) -> float:
    """How well a label typed in a report (normalised) fits a template label (normalised): 0 (not at all)
    to 1 (equal). Accepting scores are >= 0.8."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    na, nb = _numbering(a), _numbering(b)
    if na and nb and na != nb:
        return 0.0
    sa, sb = a[len(na):], b[len(nb):]
    if not sa or not sb:
        return 0.0
    if sa == sb:
        return 0.97
    ca, cb = _PAREN_NOTE.sub("", sa), _PAREN_NOTE.sub("", sb)
    if ca and ca == cb and len(ca) >= 2:
        return 0.95
    longest, shortest = max(len(sa), len(sb)), min(len(sa), len(sb))
    if longest >= 4 and shortest >= 3:
        d = _edit_distance(sa, sb, 2)
        if d <= 1:
            return 0.9
        if d <= 2 and longest >= 8:
            return 0.88
    short, long_ = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    if len(short) >= 4 and short in long_ and len(short) / len(long_) >= 0.6:
        return 0.85
    if shortest >= 6:
        ratio = difflib.SequenceMatcher(None, sa, sb, autojunk=False).ratio()
        if ratio >= 0.8:
            return 0.6 + 0.25 * ratio  # 0.8 .. 0.85
    return 0.0


ACCEPT = 0.8


# --- The Word file as plain data ---------------------------------------------------------------------


@dataclass
class _WCell:
    col: int  # first grid column, 0-based
    span: int
    text: str  # a vertical merge's continuation carries the text of the merge's first cell
    key: int  # the same for every row of a vertical merge
    cont: bool = False  # a continuation of a vertical merge

    @property
    def end(self) -> int:
        return self.col + self.span - 1


@dataclass
class _WTable:
    number: int  # 1-based, in document order
    rows: list[list[_WCell]]

    def preview(self) -> str:
        texts = [c.text for row in self.rows for c in row if c.text.strip() and not c.cont]
        first = _SPACE.sub("", texts[0]) if texts else ""
        return first[:20] + ("…" if len(first) > 20 else "")


def _w(name: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + name


W_P, W_R, W_T, W_TAB, W_BR, W_CR, W_TBL, W_TR, W_TC = (_w(n) for n in ("p", "r", "t", "tab", "br", "cr", "tbl",
                                                                      "tr", "tc"))
W_TCPR, W_TRPR, W_VAL = _w("tcPr"), _w("trPr"), _w("val")
W_NBHYPHEN = _w("noBreakHyphen")
_INLINE_CONTAINERS = {_w(n) for n in ("hyperlink", "ins", "smartTag", "fldSimple", "customXml", "sdt", "sdtContent",
                                      "moveTo", "dir", "bdo")}
_BLOCK_CONTAINERS = {_w(n) for n in ("sdt", "sdtContent", "customXml", "ins", "moveTo")}


def _run_text(r) -> str:
    out = []
    for el in r:
        tag = el.tag
        if tag == W_T:
            out.append(el.text or "")
        elif tag == W_TAB:
            out.append("\t")
        elif tag == W_BR:
            if el.get(_w("type")) in (None, "textWrapping"):
                out.append("\n")
        elif tag == W_CR:
            out.append("\n")
        elif tag == W_NBHYPHEN:
            out.append("-")
    return "".join(out)


def _paragraph_text(p) -> str:
    out: list[str] = []

    def walk(el) -> None:
        for child in el:
            if child.tag == W_R:
                out.append(_run_text(child))
            elif child.tag in _INLINE_CONTAINERS:
                walk(child)

    walk(p)
    return "".join(out)


def _children(el, tag: str):
    """Children with `tag`, looking through content controls and custom XML."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _children(child, tag)


def _cell_text(tc) -> str:
    return "\n".join(_paragraph_text(p) for p in _children(tc, W_P))


def _int_attr(el, default: int) -> int:
    if el is None:
        return default
    try:
        return max(1, min(int(el.get(W_VAL, default)), 64))
    except ValueError:
        return default


def _read_table(tbl, number: int, counter: list[int]) -> _WTable:
    """Rows of cells as Word stores them: one cell per w:tc (a horizontal merge is one cell spanning grid
    columns), vertical-merge continuations pointing at the merge's first cell."""
    rows: list[list[_WCell]] = []
    above: dict[int, _WCell] = {}
    for tr in _children(tbl, W_TR):
        tr_pr = tr.find(W_TRPR)
        col = _int_attr(tr_pr.find(_w("gridBefore")), 0) if tr_pr is not None else 0
        row: list[_WCell] = []
        here: dict[int, _WCell] = {}
        for tc in _children(tr, W_TC):
            tc_pr = tc.find(W_TCPR)
            span = _int_attr(tc_pr.find(_w("gridSpan")) if tc_pr is not None else None, 1)
            vmerge = tc_pr.find(_w("vMerge")) if tc_pr is not None else None
            hmerge = tc_pr.find(_w("hMerge")) if tc_pr is not None else None
            if hmerge is not None and hmerge.get(W_VAL) != "restart" and row:
                row[-1].span += span  # old-style horizontal merge: part of the cell before
                for c in range(col, col + span):
                    here[c] = row[-1]
                col += span
                continue
            if vmerge is not None and vmerge.get(W_VAL, "continue") == "continue" and col in above:
                origin = above[col]
                cell = _WCell(col, span, origin.text, origin.key, True)
            else:
                counter[0] += 1
                cell = _WCell(col, span, _cell_text(tc), counter[0])
            row.append(cell)
            for c in range(col, col + span):
                here[c] = cell
            col += span
        rows.append(row)
        above = here
    return _WTable(number, rows)


class _Par(str):
    """A paragraph's text; `auto` when Word numbers it (a list or heading style): its "一、" is not in the
    text."""

    auto = False


_NUMBERED_STYLE = re.compile(r"(?i)^(heading|标题|listnumber|列表编号)")


def _paragraph(p) -> _Par:
    par = _Par(_paragraph_text(p))
    ppr = p.find(_w("pPr"))
    if ppr is not None:
        num = ppr.find(_w("numPr"))
        num_id = num.find(_w("numId")) if num is not None else None
        style = ppr.find(_w("pStyle"))
        par.auto = (num_id is not None and num_id.get(W_VAL) not in (None, "0")) or (
            style is not None and bool(_NUMBERED_STYLE.match(style.get(W_VAL) or "")))
    return par


def _body_blocks(body) -> list[str | _WTable]:
    """Paragraphs (as _Par) and tables of the document body, in order."""
    out: list[str | _WTable] = []
    counter = [0]

    def walk(el) -> None:
        for child in el:
            if child.tag == W_P:
                out.append(_paragraph(child))
            elif child.tag == W_TBL:
                out.append(_read_table(child, sum(isinstance(b, _WTable) for b in out) + 1, counter))
            elif child.tag in _BLOCK_CONTAINERS:
                walk(child)

    walk(body)
    return out


@dataclass
class _Source:
    blocks: list[str | _WTable]
    category: str = ""
    subject: str = ""
    keywords: str = ""
    comments: str = ""

    @property
    def tables(self) -> list[_WTable]:
        return [b for b in self.blocks if isinstance(b, _WTable)]


def _open(path: Path) -> _Source:
    import docx  # imported here: python-docx is only needed once a file passed the safety checks

    doc = docx.Document(str(path))
    props = doc.core_properties
    return _Source(_body_blocks(doc.element.body), props.category or "", props.subject or "",
                   props.keywords or "", props.comments or "")


# --- Templates as the reader sees them -----------------------------------------------------------------


@dataclass
class _RowSpec:
    key: str
    text: str  # as printed in the template
    nkey: str
    label: str  # long name for messages
    groups: tuple[str, ...]  # normalised group labels left of it
    cells: list[Cell]  # sorted by column


@dataclass
class _GroupSpec:
    text: str
    nkey: str
    rows: list[str]  # row keys of the data rows it spans


@dataclass
class _TableSpec:
    table: Table
    kind: str  # matrix | blocks | onerow
    rows: list[_RowSpec]
    label_rows: set[str]  # normalised texts of label-only rows (legacy group rows)
    groups: list[_GroupSpec]
    columns: list[tuple[str, str, str]]  # (col_key, printed text, normalised), in template order
    label_keys: frozenset[str]  # every fixed text of the table, normalised (for recognising it)
    header_keys: frozenset[str]  # captions, headers, notes, column and unit texts

    def row(self, key: str) -> _RowSpec:
        return next(r for r in self.rows if r.key == key)


@cache
def _spec(template_id: str, table_id: str) -> _TableSpec:
    tpl = load_template(template_id)
    table = tpl.table(table_id)
    row_labels = [lab for lab in table.labels if lab.role == "row"]
    group_labels = [lab for lab in table.labels if lab.role == "group"]
    rows: list[_RowSpec] = []
    for key in table.row_keys:
        cells = sorted((c for c in table.cells if c.row_key == key), key=lambda c: c.at.col1)
        first = cells[0]
        lab = next((lab for lab in row_labels if lab.at.row1 <= first.at.row1 <= lab.at.row2
                    and lab.at.col2 < first.at.col1), None)
        text = lab.text if lab else ""
        col1 = lab.at.col1 if lab else first.at.col1
        groups = tuple(_norm(g.text) for g in group_labels
                       if g.at.row1 <= first.at.row1 <= g.at.row2 and g.at.col2 < col1)
        rows.append(_RowSpec(key, text, _norm(text), first.row_label or text, groups, cells))
    data_rows = {c.at.row1 for c in table.cells}
    label_rows = {_norm(lab.text) for lab in row_labels if lab.at.row1 not in data_rows}
    groups = []
    for g in group_labels:
        covered = [r.key for r in rows if g.at.row1 <= r.cells[0].at.row1 <= g.at.row2]
        groups.append(_GroupSpec(g.text, _norm(g.text), covered))
    columns = []
    for col_key in table.col_keys:
        first = next(c for c in table.cells if c.col_key == col_key)
        lab = next((lab for lab in table.labels if lab.role == "column"
                    and lab.at.col1 <= first.at.col1 <= lab.at.col2), None)
        text = lab.text if lab else first.col_label
        columns.append((col_key, text, _norm(text)))
    if len({c.row_key for c in table.cells}) == 1 and not rows[0].text:
        kind = "onerow"
    elif table.header_rows == 0:
        kind = "blocks"
    else:
        kind = "matrix"
    fixed = {_norm(lab.text) for lab in table.labels if lab.role != "unit"} | {_norm(table.title)}
    fixed |= {r.nkey for r in rows}
    header = {_norm(lab.text) for lab in table.labels if lab.role in ("caption", "header", "note", "column", "unit")}
    return _TableSpec(table, kind, rows, label_rows, groups, columns,
                      frozenset(k for k in fixed if len(k) >= 2), frozenset(k for k in header if k))


def _specs(tpl: Template) -> list[_TableSpec]:
    return [_spec(tpl.id, t.id) for t in tpl.tables]


@dataclass
class _PartSpec:
    key: str
    heading: str
    numeral: str
    hkey: str  # heading text after the numeral, for difflib


def _parts(tpl: Template) -> list[_PartSpec]:
    out = []
    for p in tpl.parts:
        m = _CN_NUMERAL.match(_norm(p.heading)) if p.heading else None
        numeral, rest = (m.group(1), m.group(3)) if m else ("", _norm(p.heading))
        out.append(_PartSpec(p.key, p.heading, numeral, _heading_key(rest)))
    return out


# --- Reading --------------------------------------------------------------------------------------------


@dataclass
class _Reader:
    name: str
    source: _Source
    template_arg: str | None
    unread: list[str] = field(default_factory=list)

    # --- title, template, meta

    def title(self) -> tuple[str, int | None, int]:
        """(body, year, index of the first block after the title)."""
        lines: list[str] = []
        last = -1
        for i, block in enumerate(self.source.blocks):
            if isinstance(block, _WTable) or len(lines) >= 4:
                break
            text = _SPACE.sub("", block)
            if not text or _TOP_MARK.match(_norm(text)):
                continue
            if len(text) > MAX_TITLE_CHARS:
                break
            lines.append(text)
            joined = "".join(lines)
            if _YEAR.search(joined) and "报告" in joined.translate(_FOLD):
                last = i
                break
        if last < 0:
            return "", None, 0
        title = "".join(lines)
        m = _YEAR.search(title)
        year = int(m.group(1))
        body = title[:m.start()]
        if not body:  # "2024年淮安市人民政府政府信息公开工作年度报告"
            rest = title[m.end():]
            cut = re.search(r"(度)?(政府信息公开|政务公开|信息公开|年度报告)", rest.translate(_FOLD))
            body = rest[:cut.start()] if cut else ""
            body = body.lstrip("度")
        body = body.strip("《》\"“”")
        if body.endswith("关于"):
            body = body[:-2]
        if body.startswith("关于"):
            body = body[2:]
        return body[:60], year, last + 1

    def ours(self) -> bool:
        return self.source.category.strip() == OURS

    def ours_body_year(self) -> tuple[str, int | None]:
        kw = self.source.keywords.strip()
        body, _, year = kw.rpartition(" ")
        return (body.strip(), int(year)) if year.isdigit() and body.strip() else ("", None)

    def ours_meta(self) -> dict[str, str]:
        try:
            meta = json.loads(self.source.comments or "{}")
        except ValueError:
            return {}
        if not isinstance(meta, dict):
            return {}
        return {str(k): v for k, v in meta.items() if isinstance(v, str)}

    def choose_template(self, year: int) -> str:
        known = available_templates()
        if self.ours() and self.source.subject.strip() in known:
            return self.source.subject.strip()
        if self.template_arg:
            try:
                load_template(self.template_arg)
            except TemplateError as exc:
                raise SourceError(f"{self.name}：{exc}") from None
            return self.template_arg
        candidate = template_for_year(year)
        return self.layout_switch(candidate, known)

    def layout_switch(self, candidate: str, known: list[str]) -> str:
        """Another template of the same family whose own table labels (ones the candidate has nothing
        like) appear in the document's tables: the report uses that layout (e.g. the 2019 table 二 in a
        2021 report)."""
        texts = {_norm(c.text) for t in self.source.tables for row in t.rows for c in row if c.text.strip()}
        base = load_template(candidate)
        base_ids = {t.id for t in base.tables}
        best, best_hits = candidate, 1
        for other_id in known:
            if other_id == candidate:
                continue
            other = load_template(other_id)
            shared = base_ids & {t.id for t in other.tables}
            if not shared:
                continue
            hits = 0
            for tid in shared:
                mine = _spec(candidate, tid).label_keys
                for key in _spec(other_id, tid).label_keys - mine:
                    if key in texts and not any(_similar(key, m) >= ACCEPT for m in mine):
                        hits += 1
            if hits > best_hits:
                best, best_hits = other_id, hits
        return best

    # --- the whole file

    def read(self) -> ImportResult:
        body, year, start = self.title()
        ours = self.ours()
        if ours:
            kw_body, kw_year = self.ours_body_year()
            if kw_body and (not body or _norm(body) == _norm(kw_body)):
                body = kw_body
            if year is None:
                year = kw_year
        if year is None:
            year = self.year_from_text()
        if not body:
            self.unread.append("没有找到报告标题中的机关名称，请在草稿中填写机关全称")
        if year is None or not 2000 <= year <= 2100:
            year = date.today().year - 1
            self.unread.append(f"没有找到报告年度，暂按 {year} 年导入，请核对")
        tpl = load_template(self.choose_template(year))
        meta = self.ours_meta() if ours else {}
        draft = new_draft(tpl.id, body, year, meta)

        found_tables = self.read_tables(tpl, draft)
        found_parts = self.read_sections(tpl, draft, start, ours)
        if not found_tables and not found_parts:
            raise SourceError(f"{self.name}：不像是政府信息公开工作年度报告（没有找到表格和部分标题）")
        intro_key = next((p.key for p in tpl.parts if not p.heading), None)
        if intro_key and draft.sections.get(intro_key, "").strip() == standard_intro(draft).strip():
            draft.sections[intro_key] = ""
        return ImportResult(draft, self.unread)

    def year_from_text(self) -> int | None:
        for block in self.source.blocks[:40]:
            if isinstance(block, str):
                m = re.search(r"((?:20)\d{2})\s*年\s*1\s*月\s*1\s*日", block)
                if m:
                    return int(m.group(1))
        return None

    # --- sections

    def read_sections(self, tpl: Template, draft: Draft, start: int, ours: bool) -> set[str]:
        parts = _parts(tpl)
        specs = _specs(tpl)
        caption_keys = set().union(*(s.header_keys for s in specs)) if specs else set()
        caption_keys |= {_norm(t.title) for t in tpl.tables}
        # parts the template words by keywords (the 2008 era had no national outline)
        legacy = tuple((p.key, p.heading_keywords) for p in tpl.parts if p.heading_keywords)
        lines: dict[str, list[str]] = {p.key: [] for p in parts}
        current = next((i for i, p in enumerate(parts) if not p.heading), 0)
        found: set[str] = set()
        annex = False
        dropped = 0
        for block in self.source.blocks[start:]:
            if isinstance(block, _WTable):
                continue
            text = block.strip()
            auto = getattr(block, "auto", False)
            if not text:
                continue
            if annex:
                dropped += 1
                continue
            if self.is_annex_heading(text, tpl, parts, current, ours):
                annex = True
                continue
            hit = _match_heading(text, parts, current, auto)
            head, rest = "", ""
            if hit is None and legacy:
                hit = _match_legacy(text, parts, legacy)
            if hit is None:
                head, rest = _run_in(text)
                if head:
                    hit = _match_heading(head, parts, current)
                    if hit is None and legacy:
                        hit = _match_legacy(head, parts, legacy)
            if hit is not None:
                key = parts[hit].key
                if key in found and legacy:  # a second legacy heading for the same part: keep its words
                    lines[key].append(text if not rest else head)
                found.add(key)
                current = hit
                if rest:
                    lines[key].extend(_lines(rest))
                continue
            if not ours and _norm(text) in caption_keys:  # a table caption typed as a paragraph
                continue
            lines[parts[current].key].extend(_lines(text))
        if dropped:
            self.unread.append(f"附件标题之后的 {dropped} 段文字没有导入")
        intro = next((p.key for p in parts if not p.heading), None)
        if not ours and intro:  # a clerk's preamble names the office and how to reach it
            for k, v in _meta_from_intro("\n".join(lines[intro])).items():
                draft.meta.setdefault(k, v)
        self.drop_closing(draft, lines, parts, ours)
        for p in parts:
            draft.sections[p.key] = "\n".join(lines[p.key])
            if p.heading and p.key not in found:
                self.unread.append(f"没有找到“{p.heading}”这一标题：这一部分留空，原文中它的文字（如有）并在前一部分里，请核对")
        return found

    def is_annex_heading(self, text: str, tpl: Template, parts: list[_PartSpec], current: int, ours: bool) -> bool:
        if ours:  # exactly the heading our layout prints above an annex table
            return any(text == f"{ANNEX_HEADING}：{t.title}" for t in tpl.tables)
        key = _norm(text)
        if not (key.startswith(_norm(ANNEX_HEADING)) or key.startswith("附表")) or len(key) > 40:
            return False
        if any(_norm(t.title) in key for t in tpl.tables):
            return True
        return current == len(parts) - 1

    def drop_closing(self, draft: Draft, lines: dict[str, list[str]], parts: list[_PartSpec], ours: bool) -> None:
        """The signature (body, date) after the last part is not part of its text; its date goes to meta."""
        last = next((p.key for p in reversed(parts) if lines[p.key]), None)
        if last is None:
            return
        tail = lines[last]
        if ours:  # exactly the lines our writer put there, nothing else
            expected = closing_lines(draft)
            if expected and tail[-len(expected):] == expected:
                del tail[-len(expected):]
            return
        m = _DATE.match(_SPACE.sub("", tail[-1]).translate(_FOLD))
        if not m:
            return
        try:
            when = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return
        tail.pop()
        draft.meta.setdefault("date", when.isoformat())
        if tail:
            signer = _norm(tail[-1])
            names = {_norm(draft.body), _norm(draft.meta.get("office", ""))} - {""}
            if signer in names or (len(signer) <= 25 and re.search(r"(人民政府|办公室|办公厅|局|委员会|委|中心)$", signer)):
                tail.pop()

    # --- tables

    def read_tables(self, tpl: Template, draft: Draft) -> bool:
        specs = _specs(tpl)
        by_table: dict[str, list[_WTable]] = {}
        previous: str | None = None
        for wt in self.source.tables:
            if not any(c.text.strip() for row in wt.rows for c in row):
                continue
            if len(wt.rows) > MAX_TABLE_ROWS or sum(len(r) for r in wt.rows) > MAX_TABLE_CELLS:
                self.unread.append(f"第 {wt.number} 个表格过大（{len(wt.rows)} 行），不像是年度报告的表格，没有读取")
                continue
            spec = _classify(wt, specs)
            if spec is None:
                self.unread.append(f"第 {wt.number} 个表格（开头是“{wt.preview()}”）不是本格式的表格，没有读取")
                previous = None
                continue
            tid = spec.table.id
            if tid in by_table and previous != tid:
                self.unread.append(f"第 {wt.number} 个表格又是一张{spec.table.name}，没有读取（只读取第一张）")
                continue
            by_table.setdefault(tid, []).append(wt)
            previous = tid
        for spec in specs:
            fragments = by_table.get(spec.table.id)
            if not fragments:
                self.unread.append(f"没有找到{spec.table.name}（{spec.table.title}），表中数字没有导入")
                continue
            mapper = _TableMapper(self, tpl, spec, draft)
            if spec.kind == "onerow":
                mapper.one_row(fragments)
            elif spec.kind == "blocks":
                mapper.blocks(fragments)
            else:
                mapper.matrix(fragments)
        return bool(by_table)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _run_in(text: str) -> tuple[str, str]:
    """A heading run into its text: ('一、总体情况', '2024年，……') from '一、总体情况。2024年，……'."""
    m = re.search(r"[。：:]", text)
    if m and m.start() <= 30 and m.end() < len(text):
        return text[:m.start()], text[m.end():].strip()
    return "", ""


def _match_heading(text: str, parts: list[_PartSpec], current: int, auto: bool = False) -> int | None:
    """The index of the part this paragraph is the heading of (only parts after `current`), or None.
    `auto`: Word numbers the paragraph itself, so a numeral is there even if not in the text."""
    key = _norm(text).rstrip("。:;.")
    if not key or len(key) > MAX_HEADING_CHARS:
        return None
    m = _CN_NUMERAL.match(key)
    numeral, rest = (m.group(1), m.group(3)) if m and m.group(3) else ("", key)
    if not numeral and numbering_level(text.strip()) > 1:
        return None  # （一） 1. （1）: a sub-heading, never a part
    hkey = _heading_key(rest)
    if not hkey:
        return None
    best: tuple[int, float] | None = None
    for i, part in enumerate(parts):
        if i <= current or not part.heading or not part.hkey:
            continue
        ratio = difflib.SequenceMatcher(None, hkey, part.hkey, autojunk=False).ratio()
        ok = ((numeral == part.numeral or (auto and not numeral)) and ratio >= 0.6) or ratio >= 0.9
        if ok and (best is None or ratio > best[1]):
            best = (i, ratio)
    return best[0] if best else None


def _match_legacy(text: str, parts: list[_PartSpec], outline) -> int | None:
    key = _norm(text)
    m = _CN_NUMERAL.match(key)
    if not m or not m.group(2) or len(key) > MAX_HEADING_CHARS:
        return None
    rest = m.group(3)
    for part_key, words in outline:
        if any(w in rest for w in words):
            return next((i for i, p in enumerate(parts) if p.key == part_key), None)
    return None


def _meta_from_intro(intro: str) -> dict[str, str]:
    """Contact details of a clerk's preamble ("本报告由…办公室根据…；地址：…，邮编：…，电话：…，电子邮箱：…")."""
    text = _SPACE.sub("", intro)
    out: dict[str, str] = {}
    patterns = {
        "office": r"本报告由(.{2,30}?)(?:根据|依据|按照|依照|编制)",
        "address": r"地址[：:]([^，,；;。）)]{2,60})",
        "postcode": r"邮编[：:](\d{6})",
        "phone": r"电话[：:]([0-9][0-9\-－—()（）]{5,25}[0-9])",
        "email": r"([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})",
    }
    for key, pattern in patterns.items():
        m = re.search(pattern, text)
        if m and not re.search(r"[，。；、]", m.group(1)):
            out[key] = m.group(1)
    return out


def _classify(wt: _WTable, specs: list[_TableSpec]) -> _TableSpec | None:
    """The template table whose fixed texts this Word table shows most of (at least two)."""
    texts = {_norm(c.text) for row in wt.rows for c in row if c.text.strip()}
    best, best_hits = None, 1
    for spec in specs:
        hits = len(texts & spec.label_keys)
        if hits > best_hits:
            best, best_hits = spec, hits
    return best


def _is_number_text(text: str) -> bool:
    return bool(_NUMBER_LIKE.match(_norm(text)))


class _TableMapper:
    """Puts the figures of one template table's Word table(s) into the draft, by label."""

    def __init__(self, reader: _Reader, tpl: Template, spec: _TableSpec, draft: Draft):
        self.reader = reader
        self.tpl = tpl
        self.spec = spec
        self.draft = draft
        self.name = spec.table.name
        self.matched: dict[str, str] = {}  # row key -> the label it was found by
        self.collapsed: list[tuple[_GroupSpec, list[tuple[str, _WCell]]]] = []
        self.last_index = -1  # template index of the row matched last

    # --- values

    def put(self, cell: Cell, text: str) -> None:
        raw = text.strip()
        if not raw or _DASHES.match(raw):
            return  # blank stays blank
        parsed = parse_value(raw, cell.kind, cell.unit, cell.decimals)
        if parsed.error:
            self.reader.unread.append(f"{self.tpl.describe(cell.id)}：{parsed.error}（此格没有导入）")
        elif parsed.value is not None:
            self.draft.values[cell.id] = parsed.value

    def claim(self, row: _RowSpec, found_by: str) -> bool:
        if row.key in self.matched:
            self.reader.unread.append(f"{self.name}“{row.label}”这一行出现了不止一次（又见“{found_by}”），只读取了第一次")
            return False
        self.matched[row.key] = found_by
        self.last_index = next(i for i, r in enumerate(self.spec.rows) if r.key == row.key)
        return True

    def report_missing(self) -> None:
        covered = {k for g, _ in self.collapsed for k in g.rows}
        for row in self.spec.rows:
            if row.key not in self.matched and row.key not in covered:
                self.reader.unread.append(f"{self.name}没有找到“{row.label}”这一行，这一行的数字没有导入")

    # --- row matching

    def best_row(self, label_texts: list[str], context: list[str]) -> tuple[_RowSpec | None, str]:
        """The template row the label cells of a Word row name, and the label text that named it."""
        scored: list[tuple[float, _RowSpec, str]] = []
        for text in label_texts:
            key = _norm(text)
            if not key:
                continue
            for row in self.spec.rows:
                score = _similar(key, row.nkey)
                if score >= ACCEPT:
                    scored.append((score, row, text))
        if not scored:
            return None, ""
        top = max(s for s, _, _ in scored)
        best = [(r, t) for s, r, t in scored if s >= top - 0.02]
        ctx = [_norm(c) for c in context]
        if len({r.key for r, _ in best}) > 1:  # the group cells decide ("3.其他" under （六）)
            in_group = [(r, t) for r, t in best if any(_similar(c, g) >= ACCEPT for g in r.groups for c in ctx)]
            if in_group:
                best = in_group
        if len({r.key for r, _ in best}) > 1:  # same words twice (legacy "（二）被依法纠错数"): the order decides
            order = {r.key: i for i, r in enumerate(self.spec.rows)}
            free = sorted((order[r.key], r.key, t) for r, t in best if r.key not in self.matched)
            after = [f for f in free if f[0] > self.last_index]
            pick = (after or free or [(0, best[0][0].key, best[0][1])])[0]
            best = [(self.spec.row(pick[1]), pick[2])]
        row, text = best[0]
        others = {g.nkey for g in self.spec.groups} - set(row.groups)
        for c in ctx:  # every group cell of the Word row must be one of the row's own groups
            if any(_similar(c, g) >= 0.95 for g in others) and not any(_similar(c, g) >= ACCEPT for g in row.groups):
                return None, ""  # its label, but under another group
        return row, text

    def group_of(self, own: str) -> _GroupSpec | None:
        key = _norm(own)
        for g in self.spec.groups:
            if g.rows and _similar(key, g.nkey) >= 0.9:
                return g
        return None

    def is_header_row(self, cells: list[_WCell]) -> bool:
        texts = [_norm(c.text) for c in cells if c.text.strip()]
        return not texts or all(t in self.spec.header_keys or t in self.spec.label_keys and
                                t not in {r.nkey for r in self.spec.rows} for t in texts)

    def unmatched_row(self, label: str, data: list[_WCell]) -> None:
        if any(c.text.strip() for c in data) and label.strip():
            shown = _SPACE.sub("", label)
            self.reader.unread.append(f"{self.name}中的“{shown}”这一行对应不到格式中的任何一行，这一行的数字没有导入")

    # --- table 三 and the legacy 统计表: labels on the left, a column per header

    def header_positions(self, wt: _WTable) -> list[tuple[str, int]] | None:
        pos: dict[str, int] = {}
        for row in wt.rows[:8]:
            if any(_is_number_text(c.text) for c in row if c.text.strip()):
                break
            for c in row:
                key = _norm(c.text)
                for col_key, _, ckey in self.spec.columns:
                    if col_key not in pos and key and _similar(key, ckey) >= 0.9:
                        pos[col_key] = c.col
                        break
        if len(pos) != len(self.spec.columns) or len(set(pos.values())) != len(pos):
            return None
        return [(k, pos[k]) for k, _, _ in self.spec.columns]

    def matrix(self, fragments: list[_WTable]) -> None:
        ncols = len(self.spec.columns)
        positions = None
        grid_width = None
        for wt in fragments:
            width = max((r[-1].end + 1 for r in wt.rows if r), default=0)
            found = self.header_positions(wt)
            if found:
                positions, grid_width = found, width
            elif positions and width != grid_width:
                positions = None  # a continuation laid out differently: fall back to the last columns
            carry: dict[int, str] = {}
            for cells in wt.rows:
                if not cells:
                    continue
                if positions:
                    first = min(gc for _, gc in positions)
                    labels = [c for c in cells if c.end < first]
                    data = []
                    for _, gc in positions:
                        data.append(next((c for c in cells if c.col <= gc <= c.end), None))
                    if any(d is None for d in data) or len({d.key for d in data}) != ncols:
                        continue
                else:
                    if len(cells) <= ncols:
                        continue
                    labels, data = cells[:-ncols], cells[-ncols:]
                texts = []
                for c in labels:
                    if c.text.strip():
                        carry[c.col] = c.text
                        texts.append(c.text)
                    elif c.col in carry:
                        texts.append(carry[c.col])
                if not texts:
                    continue
                own = next((t for t in reversed(texts) if _norm(t) not in self.spec.header_keys), texts[-1])
                candidates = [own] + [t for t in reversed(texts) if t != own]
                row, by = self.best_row(candidates, [t for t in texts if t != own])
                if row is None:
                    group = self.group_of(own)
                    if group is not None:
                        self.collapsed.append((group, list(zip([k for k, _, _ in self.spec.columns], data,
                                                               strict=True))))
                    elif _norm(own) not in self.spec.label_rows and not self.is_header_row(labels + data):
                        self.unmatched_row(own, data)
                    continue
                if not self.claim(row, by):
                    continue
                by_col = {c.col_key: c for c in row.cells}
                for (col_key, _, _), wc in zip(self.spec.columns, data, strict=True):
                    if col_key in by_col:
                        self.put(by_col[col_key], wc.text)
        self.resolve_collapsed()
        self.report_missing()

    def resolve_collapsed(self) -> None:
        """A group printed as one row (the 2019 （六）其他处理 in a 2021 table): not spread over the rows of
        the group; kept in extra["unresolved"] under the derived key and reported."""
        keep = []
        for group, data in self.collapsed:
            if any(k in self.matched for k in group.rows):
                continue  # a subtotal row above its own rows: nothing to do
            keep.append((group, data))
            figures, unresolved = [], {}
            for col_key, wc in data:
                col_text = next(t for k, t, _ in self.spec.columns if k == col_key)
                raw = _SPACE.sub("", wc.text)
                figures.append(f"{col_text} {raw or '空'}")
                cell = next((c for c in self.spec.row(group.rows[0]).cells if c.col_key == col_key), None)
                if cell is None or not raw or _DASHES.match(raw):
                    continue
                parsed = parse_value(raw, cell.kind, cell.unit, cell.decimals)
                key = self.derived_key(group, col_key)
                if parsed.value is not None and key:
                    value = parsed.value
                    unresolved[key] = value if isinstance(value, int) else format(value, "f")
            older = self.older_template(group)
            layout = f"按{older}" if older else ""
            self.reader.unread.append(
                f"{self.name}{group.text}{layout}只有一行（{'、'.join(figures)}），{_short_name(self.tpl)}分为"
                f"{_cn_count(len(group.rows))}行，请手工分配")
            if unresolved:
                self.draft.extra.setdefault("unresolved", {}).update(unresolved)
        self.collapsed = keep

    def derived_key(self, group: _GroupSpec, col_key: str) -> str | None:
        cells = {c.id for r in group.rows for c in self.spec.row(r).cells if c.col_key == col_key}
        for d in self.tpl.derived:
            if set(d.parts) == cells:
                return d.key
        return None

    def older_template(self, group: _GroupSpec) -> str:
        """The name of a template in which this group label is one row of the same table."""
        for other_id in available_templates():
            if other_id == self.tpl.id:
                continue
            other = load_template(other_id)
            if self.spec.table.id not in {t.id for t in other.tables}:
                continue
            if any(r.nkey == group.nkey for r in _spec(other_id, self.spec.table.id).rows):
                return _short_name(other)
        return ""

    # --- table 二: blocks of "label | values"

    def blocks(self, fragments: list[_WTable]) -> None:
        for wt in fragments:
            for cells in wt.rows:
                cells = [c for c in cells if not c.cont]
                label_at = next((i for i, c in enumerate(cells) if c.text.strip() and not _is_number_text(c.text)),
                                None)
                if label_at is None or label_at == len(cells) - 1:
                    continue
                own = cells[label_at].text
                values = cells[label_at + 1:]
                row, by = self.best_row([own], [])
                if row is None:
                    if not self.is_header_row(cells):
                        self.unmatched_row(own, values)
                    continue
                if not self.claim(row, by):
                    continue
                n = len(row.cells)
                filled = [v for v in values if v.text.strip()]
                if len(values) == n:
                    chosen = values
                elif len(values) > n and not any(v.text.strip() for v in values[n:]):
                    chosen = values[:n]
                elif n == 1 and len(filled) <= 1:
                    chosen = filled or values[:1]
                else:
                    self.reader.unread.append(
                        f"{self.name}“{row.label}”这一行有 {len(values)} 个数字格（格式中是 {n} 个），对应不上，"
                        f"这一行的数字没有导入")
                    continue
                for cell, wc in zip(row.cells, chosen, strict=True):
                    self.put(cell, wc.text)
        self.report_missing()

    # --- table 四: one data row under the headers

    @staticmethod
    def without_label(cells: list[_WCell], n: int) -> list[_WCell]:
        while len(cells) > n and cells[0].text.strip() and not _is_number_text(cells[0].text):
            cells = cells[1:]  # a row label such as "件数"
        return cells

    def one_row(self, fragments: list[_WTable]) -> None:
        row = self.spec.rows[0]
        n = len(row.cells)
        rows = [[c for c in cells if not c.cont] for wt in fragments for cells in wt.rows]
        rows = [self.without_label(cells, n) for cells in rows if cells]
        filled = [cells for cells in rows if any(c.text.strip() for c in cells) and not self.is_header_row(cells)]
        blank = [cells for cells in rows if not any(c.text.strip() for c in cells)]
        fitting = [cells for cells in filled + blank if len(cells) == n]
        data = fitting[0] if fitting else (filled or blank or [None])[0]
        if data is None:
            self.reader.unread.append(f"没有找到{self.name}的数据行，表中数字没有导入")
            return
        if len(data) != n:
            self.reader.unread.append(f"{self.name}的数据行有 {len(data)} 格（格式中是 {n} 格），对应不上，表中数字没有导入")
            return
        self.matched[row.key] = ""
        for cell, wc in zip(row.cells, data, strict=True):
            self.put(cell, wc.text)


# --- Entry point -----------------------------------------------------------------------------------------


def read_docx(path, *, template: str | None = None) -> ImportResult:
    """A draft from a Word report, and what could not be read (in Chinese, one line each).

    `template` is used when the file is not one of ours (ours name their template in the core
    properties); without it the template is the one in force for the report's year, or the layout the
    tables show. SourceError (one line, naming the file) for anything that is not a readable report."""
    path = check_office_file(path, ".docx")
    name = path.name
    try:
        source = _open(path)
    except SourceError:
        raise
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise SourceError(f"{name}：无法读取这个 Word 文件（{type(exc).__name__}），文件可能已损坏；"
                          f"请在 Word/WPS 中打开后另存为 .docx 再导入") from None
    try:
        return _Reader(name, source, template).read()
    except SourceError:
        raise
    except Exception as exc:  # never a traceback for a clerk; the type says where to look
        raise SourceError(f"{name}：读取时出错（{type(exc).__name__}），没有导入；请把这个文件发给技术支持") from None

