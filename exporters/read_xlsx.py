"""Reading an Excel annex back into a draft.

Our own annex (exporters.xlsx) carries a 封面 sheet (body, year, format, meta), a 数据 sheet (cell id →
figure) and a 报告正文 sheet (the narrative): the draft is rebuilt from those, and the table sheets are only
compared with the 数据 sheet so that a figure changed by hand on one of them is reported. An annex made by
hand in the official layout has no 数据 sheet: its tables are read at the A1 positions of the template grid,
the sheets found by name (表二/表三/表四/统计表) or by their label cells.

Every figure goes through forms.values.parse_value for its cell's kind: a word, a negative count or too many
decimals is reported in `unread` and left blank, never a crash. Stated totals are kept as stated; `check`
reports those that do not add up. Money comes out of the file as a binary float and is restored to the
Decimal the clerk typed by rounding to the cell's decimals (binary noise such as 0.30000000000000004 goes,
real extra digits are refused) and dropping trailing zeros: 7730.28 → Decimal("7730.28").
"""

from __future__ import annotations

import math
import os
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import openpyxl

from exporters.importing import ImportResult
from exporters.safety import SourceError, check_office_file
from exporters.xlsx import (
    BODY_LABEL,
    COVER_SHEET,
    DATA_HEADER,
    DATA_SHEET,
    FORMAT_ID_LABEL,
    FORMAT_LABEL,
    META_LABELS,
    TEXT_SHEET,
    YEAR_LABEL,
    unescape_text,
)
from forms.checks import fmt
from forms.draft import FORMAT, FORMAT_VERSION, DraftError, Number, from_dict
from forms.template import Cell, Table, Template, TemplateError, available_templates, load_template
from forms.values import Parsed, parse_value

MAX_COVER_ROWS = 200
MAX_DATA_ROWS = 20000  # a template has a few hundred cells; a longer sheet is not ours, its rest is ignored
MAX_TEXT_ROWS = 2000
MAX_OFFSET = 5  # rows a hand-made table may be pushed down by a title above it
MIN_LABEL_SCORE = 0.5  # share of a table's label cells that must match for an unnamed sheet to be taken
NOISE = Decimal("1e-12")  # relative difference between a float and its rounding that is binary noise

_LABEL_META = {label: key for key, label in META_LABELS.items()}
_FIXED_LABELS = {BODY_LABEL, YEAR_LABEL, FORMAT_LABEL, FORMAT_ID_LABEL}
_YEAR = re.compile(r"^\s*(\d{4})\s*年?(度)?\s*$")
_SPACE = re.compile(r"\s+")


def read_xlsx(path: str | os.PathLike) -> ImportResult:
    """The draft in an Excel annex and what could not be read; SourceError if the file cannot be used."""
    path = check_office_file(path, ".xlsx")
    name = path.name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to TypeError on a broken part
        raise SourceError(f"{name}：无法打开 Excel 文件（{_why(exc)}）") from None
    try:
        return read_workbook(wb, name)
    finally:
        wb.close()


def read_workbook(wb, name: str) -> ImportResult:
    """The draft in an opened workbook: openpyxl's, or anything with the same `worksheets`/`title`/`iter_rows`
    surface (the county aggregation reads 500 annexes through a lighter XML view). Every label, value check
    and message is this module's. SourceError names `name`."""
    try:
        return _Reader(wb, name).read()
    except SourceError:
        raise
    except Exception as exc:  # read-only sheets are parsed lazily, so errors can surface while reading
        raise SourceError(f"{name}：读取 Excel 文件时出错（{_why(exc)}）") from None


def _why(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}：{text[:200]}" if text else type(exc).__name__


# --- Values --------------------------------------------------------------------------------------------------


def read_value(raw, cell: Cell) -> Parsed:
    """What a spreadsheet cell holds, as the value of template cell `cell`, or a refusal in Chinese."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed(None, f"“{'TRUE' if raw else 'FALSE'}”不是数字")
    if isinstance(raw, datetime | date | time | timedelta):
        return Parsed(None, f"“{raw}”是日期或时间，不是数字")
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = _float_text(raw, cell.decimals if cell.kind == "money" else 0)
    else:
        text = unescape_text(str(raw))
    return parse_value(text, cell.kind, cell.unit, cell.decimals)


def _float_text(number: float, places: int) -> str:
    """A float as the decimal a clerk typed: rounded to `places` when the difference is binary noise."""
    if not math.isfinite(number):
        return repr(number)  # parse_value refuses it as not a number
    exact = Decimal(repr(number))  # the shortest text that gives back this float: 7730.28, not 7730.2799…
    try:
        rounded = exact.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # too many digits to round: far beyond any real figure, parse_value refuses it
        return format(exact, "f")
    if abs(exact - rounded) <= abs(exact) * NOISE:
        exact = rounded
    return format(exact, "f")  # parse_value drops trailing zeros: 7730.2800 → 7730.28


def _text(raw) -> str:
    """A text cell as the string written: dates as ISO dates, whole numbers without ".0"."""
    if raw is None:
        return ""
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time() else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unescape_text(str(raw))


def _label(raw) -> str:
    return _SPACE.sub("", _text(raw)).rstrip(":：")


def _same_label(a, b: str) -> bool:
    norm = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，"})
    return _label(a).translate(norm) == _SPACE.sub("", b).translate(norm)


# --- The reader ----------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, wb, name: str):
        self.name = name
        self.sheets = {ws.title: ws for ws in wb.worksheets}
        self.unread: list[str] = []

    def fail(self, problem: str) -> SourceError:
        return SourceError(f"{self.name}：{problem}")

    def read(self) -> ImportResult:
        cover = self.sheets.get(COVER_SHEET)
        if cover is None:
            raise self.fail(f"没有“{COVER_SHEET}”工作表，无法确定填报单位、年度和报告格式"
                            "（请使用年报导出的 Excel 附表，或补上封面：A 列填“填报单位”“年度”“格式编号”，B 列填内容）")
        tpl, body, year, meta = self.cover(cover)
        if DATA_SHEET in self.sheets:
            values = self.data(tpl, self.sheets[DATA_SHEET])
            self.compare_tables(tpl, values)
        else:
            values = self.tables(tpl)
        sections = self.text(tpl)
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, "template": tpl.id, "body": body,
                "year": year, "meta": meta, "sections": sections, "values": values}
        try:
            draft = from_dict(data)
        except DraftError as exc:
            raise self.fail(str(exc)) from None
        return ImportResult(draft, self.unread)

    # 封面 -------------------------------------------------------------------------------------------------

    def cover(self, ws) -> tuple[Template, str, int, dict[str, str]]:
        fields: dict[str, object] = {}
        for row in ws.iter_rows(min_row=1, max_row=MAX_COVER_ROWS, max_col=2, values_only=True):
            label, value = (tuple(row) + (None, None))[:2]
            if label is not None and _label(label) and _label(label) not in fields:
                fields[_label(label)] = value
        body = _text(fields.get(BODY_LABEL)).strip()
        if not body:
            raise self.fail(f"封面缺少“{BODY_LABEL}”（机关全称），无法导入")
        year = self.year(fields.get(YEAR_LABEL))
        tpl = self.template(fields)
        meta = {}
        for label, value in fields.items():
            if label in _FIXED_LABELS:
                continue
            text = _text(value).strip()
            if text:
                meta[_LABEL_META.get(label, label)] = text
        return tpl, body, year, meta

    def year(self, raw) -> int:
        if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
            return int(raw)
        m = _YEAR.match(_text(raw))
        if not m:
            shown = f"“{_text(raw)}”" if _text(raw) else "为空"
            raise self.fail(f"封面的“{YEAR_LABEL}”{shown}，应为四位数的年份，如 2024")
        return int(m.group(1))

    def template(self, fields: dict) -> Template:
        wanted = _text(fields.get(FORMAT_ID_LABEL)).strip()
        if not wanted:  # no id: the format's name (or an id) written in 报告格式
            described = _label(fields.get(FORMAT_LABEL))
            for tid in available_templates():
                if tid in described or _SPACE.sub("", load_template(tid).name) in described:
                    wanted = tid
                    break
        if not wanted:
            raise self.fail(f"封面缺少“{FORMAT_ID_LABEL}”或可识别的“{FORMAT_LABEL}”"
                            f"（可用：{'、'.join(available_templates())}），无法导入")
        try:
            return load_template(wanted)
        except TemplateError as exc:
            raise self.fail(f"封面的{exc}") from None

    # 数据 -------------------------------------------------------------------------------------------------

    def data(self, tpl: Template, ws) -> dict[str, Number]:
        rows = ws.iter_rows(min_row=1, max_col=len(DATA_HEADER) + 10, values_only=True)
        header = [_label(v) for v in next(rows, ())]
        id_col = header.index(DATA_HEADER[0]) if DATA_HEADER[0] in header else 0
        value_col = header.index(DATA_HEADER[4]) if DATA_HEADER[4] in header else 4
        values: dict[str, Number] = {}
        seen: set[str] = set()
        for r, row in enumerate(rows, start=2):
            if r > MAX_DATA_ROWS:
                self.unread.append(f"{DATA_SHEET}表超过 {MAX_DATA_ROWS} 行，其后的行未读取")
                break
            row = tuple(row) + (None,) * (max(id_col, value_col) + 1)
            cid = _text(row[id_col]).strip()
            if not cid:
                continue
            if cid not in tpl.cells:
                self.unread.append(f"{DATA_SHEET}表第 {r} 行：“{cid}”不是{tpl.name}的单元格编号，已忽略")
                continue
            if cid in seen:
                self.unread.append(f"{DATA_SHEET}表第 {r} 行 {cid}：与前面的行重复，已忽略")
                continue
            seen.add(cid)
            parsed = read_value(row[value_col], tpl.cells[cid])
            if parsed.error:
                self.unread.append(f"{DATA_SHEET}表第 {r} 行 {cid}（{tpl.describe(cid)}）：{parsed.error}（已留空）")
            elif parsed.value is not None:
                values[cid] = parsed.value
        missing = [cid for cid in tpl.cells if cid not in seen]
        if missing:
            listed = "、".join(missing[:5]) + (f" 等 {len(missing)} 个" if len(missing) > 5 else "")
            self.unread.append(f"{DATA_SHEET}表缺少单元格 {listed}，按空格导入")
        return values

    def compare_tables(self, tpl: Template, values: dict[str, Number]) -> None:
        """A figure changed by hand on a table sheet and not in 数据 is reported (数据 is what is imported)."""
        for table in tpl.tables:
            ws = self.sheets.get(table.name)
            if ws is None:
                continue
            grid = _grid(ws, table.rows, table.cols)
            for cell in table.cells:
                raw = grid[cell.at.row1 - 1][cell.at.col1 - 1]
                parsed = read_value(raw, cell)
                if parsed.error or parsed.value != values.get(cell.id):
                    shown = f"“{_text(raw)}”" if parsed.error else fmt(parsed.value)
                    self.unread.append(
                        f"{table.name} {_a1(cell)}（{tpl.describe(cell.id)}）为 {shown}，{DATA_SHEET}表为 "
                        f"{fmt(values.get(cell.id))}，两处不一致，已按{DATA_SHEET}表导入")

    # Hand-made annex: the table sheets --------------------------------------------------------------------

    def tables(self, tpl: Template) -> dict[str, Number]:
        self.unread.append(f"没有“{DATA_SHEET}”工作表：按官方表格的单元格位置读取各表")
        values: dict[str, Number] = {}
        free = [ws for title, ws in self.sheets.items() if title not in (COVER_SHEET, DATA_SHEET, TEXT_SHEET)]
        for table in tpl.tables:
            found = self.find_table(table, free)
            if found is None:
                self.unread.append(f"没有找到{table.name}（{table.title}）的工作表，该表按空格导入")
                continue
            ws, grid, offset = found
            free.remove(ws)
            for cell in table.cells:
                raw = grid[cell.at.row1 - 1 + offset][cell.at.col1 - 1]
                parsed = read_value(raw, cell)
                if parsed.error:
                    self.unread.append(f"工作表“{ws.title}”{_a1(cell, offset)}（{tpl.describe(cell.id)}）："
                                       f"{parsed.error}（已留空）")
                elif parsed.value is not None:
                    values[cell.id] = parsed.value
        return values

    def find_table(self, table: Table, sheets: list):
        """(sheet, grid, row offset) of `table`: the sheet of that name, else the one whose label cells match
        best; the offset is how far a title row or two pushed the table down."""
        best = None
        for ws in sheets:
            grid = _grid(ws, table.rows + MAX_OFFSET, table.cols)
            score, offset = max((_label_score(table, grid, k), -k) for k in range(MAX_OFFSET + 1))
            named = ws.title.strip() == table.name
            if named:
                return ws, grid, -offset if score > 0 else 0
            if score >= MIN_LABEL_SCORE and (best is None or score > best[0]):
                best = (score, ws, grid, -offset)
        return None if best is None else best[1:]

    # 报告正文 ---------------------------------------------------------------------------------------------

    def text(self, tpl: Template) -> dict[str, str]:
        ws = self.sheets.get(TEXT_SHEET)
        if ws is None:
            self.unread.append(f"没有“{TEXT_SHEET}”工作表：报告正文未导入")
            return {}
        sections: dict[str, str] = {}
        rows = ws.iter_rows(min_row=2, max_row=MAX_TEXT_ROWS, max_col=3, values_only=True)
        for r, row in enumerate(rows, start=2):
            key, _title, text = (tuple(row) + (None, None, None))[:3]
            key = _text(key).strip()
            if not key:
                continue
            if key not in tpl.section_keys:
                self.unread.append(f"{TEXT_SHEET}表第 {r} 行：“{key}”不是{tpl.name}的部分，已忽略")
                continue
            sections[key] = sections.get(key, "") + _text(text)  # a long part continues on the next rows
        return sections


def _grid(ws, rows: int, cols: int) -> list[list]:
    """The values of A1 to (rows, cols), padded with None; merged cells hold their value top-left."""
    out = []
    for row in ws.iter_rows(min_row=1, max_row=rows, max_col=cols, values_only=True):
        out.append((list(row) + [None] * cols)[:cols])
    return out + [[None] * cols for _ in range(rows - len(out))]


def _label_score(table: Table, grid: list[list], offset: int) -> float:
    labels = [lab for lab in table.labels if lab.text.strip()]
    if not labels:
        return 0.0
    hits = sum(_same_label(grid[lab.at.row1 - 1 + offset][lab.at.col1 - 1], lab.text) for lab in labels)
    return hits / len(labels)


def _a1(cell: Cell, offset: int = 0) -> str:
    first = cell.at.a1().split(":")[0]
    if not offset:
        return first
    letters = first.rstrip("0123456789")
    return f"{letters}{cell.at.row1 + offset}"
