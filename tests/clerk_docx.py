"""Word files made the way a clerk makes them, for the tests of exporters/read_docx.py.

A clerk types last year's report into Word by hand: the title in one or two centred paragraphs, headings as
plain bold paragraphs (no heading styles), paragraphs indented with two full-width spaces, and the tables
drawn with the "Table Grid" style, merged by hand, labels broken wherever the cell wrapped in the printed
copy, "1、" for "1.", empty cells where nothing happened. The labels below are transcribed from the real
published reports in /work/shared/samples (淮安 2024, 洪泽 2023), not from the templates: the reader must
find the template's rows in them.

The figures and the narrative come from the drafts in tests/data (`read_draft`); a figure is printed as
the draft states it (blank when the draft has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.table import _Cell

from forms.draft import Draft, read_draft
from forms.values import format_value

DATA = Path(__file__).parent / "data"
HUAIAN = DATA / "2024_淮安市_人民政府.nianbao.json"
HONGZE = DATA / "2023_淮安市洪泽区_人民政府.nianbao.json"
SHANGHAI = DATA / "2019_上海市_人民政府办公厅.nianbao.json"
WUSHAN = DATA / "2016_武山县_人民政府.nianbao.json"

INDENT = "\u3000\u3000"  # how clerks indent a paragraph

# --- Labels as printed ------------------------------------------------------------------------------------

# 表二 (淮安 2024: "第二十条 第（一）项" with a space). Block: caption, header texts, rows (row key, label).
TABLE2_BLOCKS = [
    ("第二十条 第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
     [("regulations", "规章"), ("normative_docs", "行政规范性文件")], ["issued", "abolished", "in_force"]),
    ("第二十条 第（五）项", ["信息内容", "本年处理决定数量"], [("admin_license", "行政许可")], ["decisions"]),
    ("第二十条 第（六）项", ["信息内容", "本年处理决定数量"],
     [("admin_penalty", "行政处罚"), ("admin_coercion", "行政强制")], ["decisions"]),
    ("第二十条 第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [("admin_fees", "行政事业性收费")], ["amount"]),
]

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，\n等于第三项加第四项之和）"
T3_COLUMNS = ["natural_person", "commercial_enterprise", "research_institution", "public_welfare_org",
              "legal_service_org", "other_org", "total"]
T3_ORG_HEADERS = ["商业企\n业", "科研机\n构", "社会公益\n组织", "法律服务\n机构", "其他"]

# 表三 rows: (row key, group label or None, label). Group None and a label starting with 一/二/四 spans A:C;
# group None otherwise spans B:C under 三、本年度办理结果.
T3_TOP = [("new_received", "一、本年新收政府信息公开申请数量"), ("carried_over", "二、上年结转政府信息公开申请数量")]
T3_RESULTS_HEAD = "三、\n本\n年\n度\n办\n理\n结\n果"
T3_BOTTOM = [("carried_forward", "四、结转下年度继续办理")]

HUAIAN_RESULTS = [
    ("granted", None, "（一）予以公开"),
    ("partially_granted", None, "（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）"),
    ("denied.state_secret", "（三）不\n予公开", "1.属于国家秘密"),
    ("denied.law_prohibited", "（三）不\n予公开", "2.其他法律行政法规禁止公开"),
    ("denied.three_safety_one_stability", "（三）不\n予公开", "3.危及“三安全一稳定”"),
    ("denied.third_party_rights", "（三）不\n予公开", "4.保护第三方合法权益"),
    ("denied.internal_affairs", "（三）不\n予公开", "5.属于三类内部事务信息"),
    ("denied.process_info", "（三）不\n予公开", "6.属于四类过程性信息"),
    ("denied.enforcement_file", "（三）不\n予公开", "7.属于行政执法案卷"),
    ("denied.admin_query", "（三）不\n予公开", "8.属于行政查询事项"),
    ("unable.not_held", "（四）无\n法提供", "1.本机关不掌握相关政府信息"),
    ("unable.need_creation", "（四）无\n法提供", "2.没有现成信息需要另行制作"),
    ("unable.unclear_after_correction", "（四）无\n法提供", "3.补正后申请内容仍不明确"),
    ("not_processed.petition_complaint", "（五）不\n予处理", "1.信访举报投诉类申请"),
    ("not_processed.repeated", "（五）不\n予处理", "2.重复申请"),
    ("not_processed.publication", "（五）不\n予处理", "3.要求提供公开出版物"),
    ("not_processed.massive_repeated", "（五）不\n予处理", "4.无正当理由大量反复申请"),
    ("not_processed.confirm_or_reissue", "（五）不\n予处理", "5.要求行政机关确认或重新出\n具已获取信息"),
    ("other.overdue_correction", "（六）其\n他处理", "1、申请人无正当理由逾期不补\n正、行政机关不再处理其政府信\n息公开申请"),
    ("other.overdue_fee", "（六）其\n他处理", "2、申请人逾期未按收费通知要\n求缴纳费用、行政机关不再处理\n其政府信息公开申请"),
    ("other.other", "（六）其\n他处理", "3、其他"),
    ("results_total", None, "（七）总计"),
]

# 洪泽 2023: the typo, spaces inside labels, and （六）其他处理 as ONE row (the 2019 layout); its key is None.
HONGZE_RESULTS = [
    ("granted", None, "（一）予以公开"),
    ("partially_granted", None, "（二）部分公开（区分处理的，只计这一情 形，不\n计其他情形）"),
    ("denied.state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied.law_prohibited", "（三）不予公开", "2.其他法律行政止公开"),
    ("denied.three_safety_one_stability", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("denied.third_party_rights", "（三）不予公开", "4.保护第三方合法权益"),
    ("denied.internal_affairs", "（三）不予公开", "5.属于三类内部事务信息"),
    ("denied.process_info", "（三）不予公开", "6.属于四类过程性信息"),
    ("denied.enforcement_file", "（三）不予公开", "7.属于行政执法案卷"),
    ("denied.admin_query", "（三）不予公开", "8.属于行政查询事项"),
    ("unable.not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable.need_creation", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unable.unclear_after_correction", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("not_processed.petition_complaint", "（五）不予处理", "1.信访举报投诉类申请"),
    ("not_processed.repeated", "（五）不予处理", "2.重复申请"),
    ("not_processed.publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("not_processed.massive_repeated", "（五）不予处理", "4.无正当理由大量反复 申请"),
    ("not_processed.confirm_or_reissue", "（五）不予处理", "5.要求行政机关确认或重 新出具\n已获取信息"),
    (None, None, "（六）其他处理"),
    ("results_total", None, "（七）总计"),
]

T4_GROUP_HEADS = ["结果\n维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总 计"]
T4_COLUMNS = [f"{g}.{c}" for g in ("review", "litigation_direct", "litigation_after_review")
              for c in ("upheld", "corrected", "other", "pending", "total")]

HEADINGS = {
    "overview": "一、总体情况",
    "proactive": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}

# 武山 2016 (legacy), headings exactly as published: Traditional characters, a half-width comma.
WUSHAN_HEADINGS = {
    "overview": "一、概述",
    "proactive": "二、主動公開政府信息情況",
    "requests": "三、依申請公開政府信息和不予公開政府信息情況",
    "fees_review": "四、政府信息公開收費及減免,復議、訴訟和申訴等情況",
    "organisation": "五、政府信息公開機構人員及經費情況",
    "problems": "六、存在的主要問題和改進措施",
}


@dataclass
class Clerk:
    """How this clerk typed the report. Every field is one habit or quirk."""

    title: list[str] | None = None  # default: [body, "YYYY 年政府信息公开工作年度报告"]
    headings: dict[str, str] = field(default_factory=lambda: dict(HEADINGS))
    results: list = field(default_factory=lambda: list(HUAIAN_RESULTS))
    single_other: list[str] | None = None  # figures of a one-row （六）其他处理, when `results` has it
    split_table2: bool = False  # four small tables, one per 第二十条 block
    captions_outside: bool = False  # with split_table2: each caption a bold paragraph above its table
    merge_table2_values: bool = True  # False: the single value of (五)(六)(八) then two empty cells
    normative_label: str = "行政规范性文件"
    text: dict[str, str] = field(default_factory=dict)  # cell id -> what is typed there instead of the figure
    label: dict[str, str] = field(default_factory=dict)  # table-3 row key -> label typed instead
    closing: list[str] = field(default_factory=list)  # signature lines after the last part
    body: str | None = None  # the body name in the title (default: the draft's)
    extra_table: bool = False  # a table that is not one of the report's (a contact list)
    merge_groups: bool = True  # False: 表三's group labels typed once in the first row, the cells below empty
    split_table3: int | None = None  # 表三 split into two Word tables before this grid row (a page break)
    auto_numbered: bool = False  # headings numbered by Word's list numbering: no "一、" in their text
    tables: tuple[str, ...] = ("table2", "table3", "table4")  # the tables typed at all


def load(path: Path) -> Draft:
    return read_draft(path)


# --- Building blocks --------------------------------------------------------------------------------------


def _set(cell: _Cell, text: str) -> None:
    """A clerk's cell: the text, a line break where the printed copy wrapped (Shift+Enter)."""
    cell.text = text


def grid_table(doc, rows: int, cols: int, merges: list[tuple[int, int, int, int]], texts: dict[tuple[int, int], str]):
    """A table drawn with Word's merge tool: `merges` are (row, col, rowspan, colspan) rectangles, 0-based.
    The merge is written as Word writes it (gridSpan, vMerge restart/continue), directly in the XML."""
    table = doc.add_table(rows=rows, cols=cols)
    table.style = doc.styles["Table Grid"]
    origin_of: dict[tuple[int, int], tuple[int, int]] = {}
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for r, c, rs, cs in merges:
        spans[(r, c)] = (rs, cs)
        for rr in range(r, r + rs):
            for cc in range(c, c + cs):
                origin_of[(rr, cc)] = (r, c)
    for r, tr in enumerate(table._tbl.tr_lst):
        tcs = list(tr.tc_lst)
        c = 0
        while c < cols:
            tc = tcs[c]
            origin = origin_of.get((r, c))
            if origin is None:
                if (r, c) in texts:
                    _set(_Cell(tc, table), texts[(r, c)])
                c += 1
                continue
            rs, cs = spans[origin]
            for k in range(c + 1, c + cs):
                tr.remove(tcs[k])
            if cs > 1:
                tc.grid_span = cs
            if rs > 1:
                tc.vMerge = "restart" if r == origin[0] else "continue"
            if r == origin[0] and origin in texts:
                _set(_Cell(tc, table), texts[origin])
            c += cs
    return table


def _para(doc, text: str, *, bold: bool = False, center: bool = False, size: float | None = None):
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _figure(draft: Draft, clerk: Clerk, cell_id: str) -> str:
    if cell_id in clerk.text:
        return clerk.text[cell_id]
    value = draft.values.get(cell_id)
    return format_value(value, draft.tpl.cells[cell_id].kind) if value is not None else ""


def _section(doc, draft: Draft, key: str) -> None:
    for line in draft.sections.get(key, "").split("\n"):
        if line.strip():
            _para(doc, INDENT + line)


# --- The tables ---------------------------------------------------------------------------------------------


def _table2(doc, draft: Draft, clerk: Clerk) -> None:
    pieces = []
    for caption, headers, rows, cols in TABLE2_BLOCKS:
        texts: dict[tuple[int, int], str] = {}
        merges: list[tuple[int, int, int, int]] = []
        r = 0
        if not (clerk.split_table2 and clerk.captions_outside):
            texts[(0, 0)] = caption
            merges.append((0, 0, 1, 4))
            r = 1
        texts[(r, 0)] = headers[0]
        if len(headers) == 2:
            texts[(r, 1)] = headers[1]
            merges.append((r, 1, 1, 3))
        else:
            for i, h in enumerate(headers[1:], 1):
                texts[(r, i)] = h
        r += 1
        for key, label in rows:
            texts[(r, 0)] = clerk.normative_label if key == "normative_docs" else label
            ids = [f"table2.{key}.{c}" for c in cols]
            if len(ids) == 1 and clerk.merge_table2_values:
                merges.append((r, 1, 1, 3))
            for i, cid in enumerate(ids, 1):
                texts[(r, i)] = _figure(draft, clerk, cid)
            r += 1
        pieces.append((caption, r, texts, merges))
    if not clerk.split_table2:
        offset, texts, merges = 0, {}, []
        for _, n, t, m in pieces:
            texts.update({(r + offset, c): v for (r, c), v in t.items()})
            merges += [(r + offset, c, rs, cs) for r, c, rs, cs in m]
            offset += n
        grid_table(doc, offset, 4, merges, texts)
        return
    for i, (caption, n, texts, merges) in enumerate(pieces):
        if clerk.captions_outside:
            _para(doc, caption, bold=True, center=True)
        elif i:
            doc.add_paragraph()  # without it Word would join the two tables into one
        grid_table(doc, n, 4, merges, texts)


def _table3(doc, draft: Draft, clerk: Clerk) -> None:
    results = clerk.results
    rows = 3 + len(T3_TOP) + len(results) + len(T3_BOTTOM)
    texts: dict[tuple[int, int], str] = {(0, 0): T3_NOTE, (0, 3): "申请人情况", (1, 3): "自然人",
                                         (1, 4): "法人或其他组织", (1, 9): "总计"}
    merges = [(0, 0, 3, 3), (0, 3, 1, 7), (1, 3, 2, 1), (1, 4, 1, 5), (1, 9, 2, 1)]
    for i, h in enumerate(T3_ORG_HEADERS):
        texts[(2, 4 + i)] = h

    def figures(r: int, key: str | None) -> None:
        for i, col in enumerate(T3_COLUMNS):
            if key is None:
                texts[(r, 3 + i)] = (clerk.single_other or [""] * 7)[i]
            else:
                texts[(r, 3 + i)] = _figure(draft, clerk, f"table3.{col}.{key}")

    r = 3
    for key, label in T3_TOP:
        texts[(r, 0)] = clerk.label.get(key, label)
        merges.append((r, 0, 1, 3))
        figures(r, key)
        r += 1
    first_result = r
    texts[(r, 0)] = T3_RESULTS_HEAD
    merges.append((r, 0, len(results), 1))
    group_start: dict[str, int] = {}
    group_len: dict[str, int] = {}
    for key, group, label in results:
        label = clerk.label.get(key, label)
        if group is None:
            texts[(r, 1)] = label
            merges.append((r, 1, 1, 2))
        else:
            group_start.setdefault(group, r)
            group_len[group] = group_len.get(group, 0) + 1
            texts[(r, 2)] = label
        figures(r, key)
        r += 1
    for group, start in group_start.items():
        texts[(start, 1)] = group
        if group_len[group] > 1 and clerk.merge_groups:
            merges.append((start, 1, group_len[group], 1))
    assert r == first_result + len(results)
    for key, label in T3_BOTTOM:
        texts[(r, 0)] = clerk.label.get(key, label)
        merges.append((r, 0, 1, 3))
        figures(r, key)
        r += 1
    k = clerk.split_table3
    if k is None:
        grid_table(doc, rows, 10, merges, texts)
        return
    # Word's "split table": a merge across the split goes on in the second table with an empty cell
    first = [(r0, c, min(rs, k - r0), cs) for r0, c, rs, cs in merges if r0 < k]
    second = [(max(r0, k) - k, c, r0 + rs - max(r0, k), cs) for r0, c, rs, cs in merges if r0 + rs > k]
    grid_table(doc, k, 10, first, {pos: t for pos, t in texts.items() if pos[0] < k})
    doc.add_paragraph()
    grid_table(doc, rows - k, 10, second, {(r0 - k, c): t for (r0, c), t in texts.items() if r0 >= k})


def _table4(doc, draft: Draft, clerk: Clerk) -> None:
    texts = {(0, 0): "行政复议", (0, 5): "行政诉讼", (1, 5): "未经复议直接起诉", (1, 10): "复议后起诉"}
    merges = [(0, 0, 1, 5), (0, 5, 1, 10), (1, 5, 1, 5), (1, 10, 1, 5)]
    for i, h in enumerate(T4_GROUP_HEADS):
        texts[(1, i)] = h
        merges.append((1, i, 2, 1))
        texts[(2, 5 + i)] = h
        texts[(2, 10 + i)] = h
    for i, col in enumerate(T4_COLUMNS):
        texts[(3, i)] = _figure(draft, clerk, f"table4.{col}")
    grid_table(doc, 4, 15, merges, texts)


# --- Whole reports -----------------------------------------------------------------------------------------


def national_report(draft: Draft, path: Path, clerk: Clerk | None = None) -> Path:
    """A 2021-format report as a clerk types it."""
    clerk = clerk or Clerk()
    doc = docx.Document()
    body = clerk.body or draft.body
    title = clerk.title or [body, f"{draft.year} 年政府信息公开工作年度报告"]
    for line in title:
        _para(doc, line, bold=True, center=True, size=22)
    doc.add_paragraph()
    _section(doc, draft, "intro")
    tables = {key: fn for key, tid, fn in (("proactive", "table2", _table2), ("requests", "table3", _table3),
                                           ("review_litigation", "table4", _table4)) if tid in clerk.tables}
    for key in ("overview", "proactive", "requests", "review_litigation", "problems", "other"):
        heading = clerk.headings.get(key)
        if heading and clerk.auto_numbered:  # Word's numbering prints the 一、; the text has none
            doc.add_paragraph(heading.split("、", 1)[-1], style="List Number")
        elif heading:
            _para(doc, INDENT + heading, bold=True)
        if key in tables:
            tables[key](doc, draft, clerk)
            doc.add_paragraph()
        _section(doc, draft, key)
    if clerk.extra_table:
        _para(doc, "联系人名单")
        grid_table(doc, 2, 3, [], {(0, 0): "姓名", (0, 1): "电话", (0, 2): "邮箱", (1, 0): "张三"})
    if clerk.closing:
        doc.add_paragraph()
        for line in clerk.closing:
            p = _para(doc, line)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.save(str(path))
    return path


def huaian(path: Path, clerk: Clerk | None = None) -> Path:
    """淮安市人民政府 2024 as a clerk types it: two-line title with "2024 年", 淮安's own label wrapping."""
    return national_report(load(HUAIAN), path, clerk)


def hongze(path: Path, clerk: Clerk | None = None) -> Path:
    """洪泽区人民政府 2023: one-line title as on its PDF's metadata, the typo, （六）其他处理 as one row of
    zeros, table 四 totals printed as 0."""
    clerk = clerk or Clerk(title=["洪泽区人民政府2023年政府信息公开工作年度报告"], results=list(HONGZE_RESULTS),
                           single_other=["0"] * 7)
    return national_report(load(HONGZE), path, clerk)


def wushan(path: Path) -> Path:
    """武山县 2016 (legacy): Traditional headings, figures only in the narrative, no table."""
    draft = load(WUSHAN)
    doc = docx.Document()
    _para(doc, "武山縣2016年政府信息公開工作年度報告", bold=True, center=True, size=22)
    _section(doc, draft, "intro")
    for key, heading in WUSHAN_HEADINGS.items():
        _para(doc, heading, bold=True)
        _section(doc, draft, key)
    doc.save(str(path))
    return path


def plain_document(path: Path, paragraphs: list[str]) -> Path:
    """A Word file that is not a report."""
    doc = docx.Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(path))
    return path
