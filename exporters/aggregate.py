"""Summing the reports of many bodies (departments, townships) into one: issue 6, `nianbao aggregate`.

A county office receives the reports of dozens of bodies (a city office, of hundreds) as draft files, Excel
annexes or Word reports. `aggregate(paths)` reads them all, refuses inputs of different templates or years,
lists the files it could not read (and a second report of a body already read), checks each body's tables,
and sums:

- every INPUT cell over the bodies, each body's figure as read; a blank counts as nothing, and a cell every
  body left blank stays blank in the sum;
- totals are never summed: they are computed from the summed inputs, so a body's wrong stated total cannot
  corrupt the sum (it is reported with that body's problems instead). A total a body stated while leaving
  every one of its parts blank adds nothing to the sum; that is reported too (rule AGG-TOTAL).

`write_summary` writes the summary workbook (封面, the summed tables exactly as exporters.xlsx lays out an
annex, 数据, 各单位数据, 未通过检查, 无法读取), whole or not at all. `summary_draft` turns the sums into the
county's own draft.

Reading is the slow part (500 annexes). Two things make it fast enough:
- our own annexes (a 封面 and a 数据 sheet) are read through `_ZipWorkbook`, a small read-only view of the
  sheets' XML with openpyxl's cell semantics, handed to exporters.read_xlsx's own reader: every label, value
  check and message is read_xlsx's, only the XML parsing is cheaper (openpyxl builds an object per inline
  string: that alone took longer than everything else). The narrative is not read (it is not summed). The
  file first passes exporters.safety.check_office_file (which refuses DTDs and entities in every part); the
  parts are then parsed by the C parser when they are plain UTF-8 without a DTD, by defusedxml otherwise.
  Annexes without a 数据 sheet (made by hand) and Word reports go through exporters.importing.read_source.
- with many files, they are read in worker processes (spawned, never forked: the caller may be a Qt
  application). Nothing here touches Qt; progress and cancellation are plain callables.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeET

from exporters.files import atomic_path
from exporters.importing import ImportResult
from exporters.safety import SourceError, check_office_file
from forms.checks import Problem, check_blanks, check_formats, check_identities, computed_value, fmt
from forms.draft import SUFFIX, Draft, DraftError, Number, new_draft
from forms.template import Template, col_letters, load_template

# --- What is read --------------------------------------------------------------------------------------------

KIND_ORDER = (SUFFIX, ".xlsx", ".docx")  # a folder's files: drafts, then annexes, then Word reports
POOL_MIN_FILES = 16  # below this, worker processes cost more to start than they save
MAX_WORKERS = 8
REQUESTS_RECEIVED = ("table3.total.new_received", "stats.request.received")  # the chart's figure, by template
READ_RULE = "READ"  # a note from the reader (a figure it could not read, a table that disagrees with 数据)
TOTAL_RULE = "AGG-TOTAL"  # a stated total whose parts are all blank: it adds nothing to the sum
DEFAULT_BODY = "各单位汇总"

# The summary workbook's own sheets (after those of exporters.xlsx).
BODIES_SHEET = "各单位数据"
PROBLEMS_SHEET = "未通过检查"
UNREADABLE_SHEET = "无法读取"
TOTAL_ROW_LABEL = "合计"
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
HEADER_ROWS = 3  # row label / column label / cell id
MAX_CELLS_LISTED = 8  # cell ids named on a row of 未通过检查 before "等 N 个"
FIXED_COLS = ("序号", "单位", "错误", "警告", "文件")


class AggregateError(Exception):
    """The inputs cannot be summed; the message (Chinese) says why."""


class MixedInputsError(AggregateError):
    """Inputs of more than one template or year (CLI exit status 1)."""


class NothingToSumError(AggregateError):
    """No input could be read (CLI exit status 2); `unreadable` says why for each."""

    def __init__(self, message: str, unreadable: list[Unreadable]):
        super().__init__(message)
        self.unreadable = unreadable


class Cancelled(Exception):  # noqa: N818 - it is not an error: the clerk asked for it
    """The caller's `cancelled()` said stop."""


@dataclass
class Source:
    """One input file as a worker read it: the figures and problems of one body, or why it can't be used.
    Small and picklable: it is what a worker process sends back."""

    path: str
    template: str = ""
    body: str = ""
    year: int = 0
    values: dict[str, Number] = field(default_factory=dict)  # as the file states them, totals included
    problems: tuple[Problem, ...] = ()
    error: str = ""  # why the file can't be used; "" when it was read


@dataclass
class BodyFigures:
    body: str
    path: Path
    values: dict[str, Number]  # as the file states them, totals included
    problems: list[Problem]
    tpl: Template = field(repr=False)

    @cached_property
    def inputs(self) -> dict[str, Number]:
        return {k: v for k, v in self.values.items() if k not in self.tpl.computed_by}

    @cached_property
    def completed(self) -> dict[str, Number]:
        """The body's inputs, and every total computed from them (not as stated): what it adds to the sum."""
        return _complete(self.tpl, self.inputs)

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self.problems)

    def stated_differs(self, cell_id: str) -> bool:
        """A total the body stated that is not what its inputs add up to (or whose inputs are all blank)."""
        stated = self.values.get(cell_id)
        return cell_id in self.tpl.computed_by and stated is not None and stated != self.completed.get(cell_id)


@dataclass
class Unreadable:
    path: Path
    reason: str


@dataclass
class AggregateResult:
    template: str
    year: int
    bodies: list[BodyFigures]
    unreadable: list[Unreadable]
    sums: dict[str, Number]  # input cells only; absent = every body left it blank

    @property
    def tpl(self) -> Template:
        return load_template(self.template)

    @cached_property
    def totals(self) -> dict[str, Number]:
        """Every cell of the summary: the summed inputs and the totals computed from them."""
        return _complete(self.tpl, self.sums)

    @property
    def failing(self) -> list[BodyFigures]:
        return [b for b in self.bodies if b.errors]

    def problems(self) -> list[tuple[BodyFigures, Problem]]:
        """Every body's problems: errors first, each in body order."""
        pairs = [(b, p) for b in self.bodies for p in b.problems]
        order = {"error": 0, "warning": 1, "info": 2}
        return sorted(pairs, key=lambda bp: order[bp[1].severity])  # stable: body order kept

    @property
    def requests_cell(self) -> str | None:
        return next((c for c in REQUESTS_RECEIVED if c in self.tpl.cells), None)

    def top_contributors(self, n: int = 10) -> list[tuple[str, Number]]:
        """The bodies with the most requests received, largest first (blank and 0 left out)."""
        cid = self.requests_cell
        if cid is None:
            return []
        figures = [(b.body, b.completed.get(cid)) for b in self.bodies]
        ranked = sorted(((body, v) for body, v in figures if v), key=lambda bv: -bv[1])
        return ranked[:n]


def _complete(tpl: Template, inputs: dict[str, Number]) -> dict[str, Number]:
    memo: dict = {}
    out = dict(inputs)
    for cid in tpl.computed_by:
        value = computed_value(tpl, inputs, cid, memo)
        if value is not None:
            out[cid] = value
    return out


# --- Which files ---------------------------------------------------------------------------------------------


def kind_rank(path: Path) -> int:
    name = path.name.lower()
    return next((i for i, suffix in enumerate(KIND_ORDER) if name.endswith(suffix)), len(KIND_ORDER))


def folder_files(folder: Path) -> list[Path]:
    """A folder's draft files, annexes and Word reports (not its subfolders), drafts first, each kind by name.
    When a body sent both its annex and its Word report, the annex (exact figures) comes first and is kept.
    Office's lock files (~$…) and hidden files are not reports."""
    found = [p for p in folder.iterdir()
             if p.is_file() and kind_rank(p) < len(KIND_ORDER) and not p.name.startswith(("~$", "."))]
    return sorted(found, key=lambda p: (kind_rank(p), p.name))


def expand_inputs(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The files to read: each folder replaced by its reports (folder_files), in the order given; a file
    named twice is read once."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        for p in folder_files(path) if path.is_dir() else [path]:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out


# --- Reading one file (runs in a worker process) -------------------------------------------------------------


def read_one(path: str) -> Source:
    """One input: its body, template, year, figures and problems, or the reason it can't be used. Never
    raises for a bad file (a worker must always answer)."""
    try:
        result = read_report(Path(path))
    except (SourceError, DraftError) as exc:
        return Source(path, error=str(exc))
    except Exception as exc:  # a reader's bug must cost one file, not the whole summary
        return Source(path, error=f"{Path(path).name}：读取时程序出错（{type(exc).__name__}），未计入汇总")
    draft = result.draft
    return Source(path, draft.template, draft.body, draft.year, dict(draft.values),
                  tuple(body_problems(draft, result.unread)))


def read_report(path: Path) -> ImportResult:
    """A draft file, an annex (the fast path for ours) or a Word report."""
    if path.name.lower().endswith(".xlsx"):
        fast = read_annex_fast(path)
        if fast is not None:
            return fast
    from exporters.importing import read_source

    return read_source(path)


def body_problems(draft: Draft, unread: Sequence[str] = ()) -> list[Problem]:
    """What the summary reports of one body: the table checks (number formats, identities, blank cells), the
    stated totals that add nothing to the sum, and what the reader could not read. The narrative is not
    checked here: the summary is about figures."""
    tpl = draft.tpl
    problems = check_formats(tpl, draft.values) + check_identities(tpl, draft.values)
    inputs = {k: v for k, v in draft.values.items() if k not in tpl.computed_by}
    memo: dict = {}
    for cid in tpl.computed_by:
        stated = draft.values.get(cid)
        if stated is not None and computed_value(tpl, inputs, cid, memo) is None:
            problems.append(Problem("error", TOTAL_RULE, (cid,),
                                    f"{tpl.describe(cid)}填的是 {fmt(stated)}，但组成它的各项都是空格："
                                    "汇总只加各项，这个数没有计入汇总。请该单位补填各项。"))
    problems += [Problem("warning", READ_RULE, (), line) for line in unread]
    problems += check_blanks(tpl, draft.values)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(problems, key=lambda p: order[p.severity])


# --- The fast path for our own annexes -----------------------------------------------------------------------

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _C, _V, _IS, _T, _R, _SHEETDATA, _SI = (f"{_NS}{t}" for t in ("row", "c", "v", "is", "t", "r", "sheetData", "si"))


def read_annex_fast(path: Path) -> ImportResult | None:
    """An annex that has a 封面 and a 数据 sheet, read by exporters.read_xlsx's reader over `_ZipWorkbook`;
    None for any other workbook (the caller reads it with read_xlsx). SourceError as read_xlsx gives."""
    from exporters.read_xlsx import read_workbook
    from exporters.xlsx import COVER_SHEET, DATA_SHEET, TEXT_SHEET

    path = check_office_file(path, ".xlsx")
    try:
        with zipfile.ZipFile(path) as zf:
            wb = _ZipWorkbook(zf, skip=(TEXT_SHEET,))
            titles = {ws.title for ws in wb.worksheets}
            if BODIES_SHEET in titles:
                raise SourceError(f"{path.name}：这是一份汇总表（有“{BODIES_SHEET}”表），不是单位的报告，未计入汇总")
            if not {COVER_SHEET, DATA_SHEET} <= titles:
                return None
            return read_workbook(wb, path.name)
    except SourceError:
        raise
    except Exception as exc:  # a broken part surfaces as anything while its XML is opened (as in read_xlsx)
        raise SourceError(f"{path.name}：读取 Excel 文件时出错（{type(exc).__name__}：{str(exc)[:200]}）") from None


_BOM = b"\xef\xbb\xbf"
WHOLE_PART_BYTES = 8 << 20  # a sheet up to this size is parsed whole (fast); a bigger one is streamed


def _parse(zf: zipfile.ZipFile, part: str):
    """A part's root element. check_office_file has already refused every part that declares a DTD or
    entities; a part that is plain UTF-8 and still has none is parsed by the C parser (defusedxml's handlers
    make every element a Python call, several times slower); anything else goes through defusedxml."""
    data = zf.read(part)
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if data.lstrip().startswith(b"<") and b"<!DOCTYPE" not in data and b"<!ENTITY" not in data:
        return ElementTree.fromstring(data)
    return SafeET.fromstring(data, forbid_dtd=True)


def _row_elements(zf: zipfile.ZipFile, part: str) -> Iterator:
    """The <row> elements of a sheet, in order: from the whole parsed part, or for a huge part streamed with
    defusedxml, each row dropped once read."""
    if zf.getinfo(part).file_size <= WHOLE_PART_BYTES:
        sheet_data = _parse(zf, part).find(_SHEETDATA)
        yield from (row for row in (() if sheet_data is None else sheet_data) if row.tag == _ROW)
        return
    with zf.open(part) as fh:
        for _, el in SafeET.iterparse(fh, events=("end",), forbid_dtd=True):
            if el.tag == _ROW:
                yield el
                el.clear()
            elif el.tag == _SHEETDATA:
                return


def _part_path(base: str, target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))


class _ZipWorkbook:
    """The sheets of a workbook, as much of openpyxl's read-only worksheet as read_xlsx uses: `.worksheets`,
    each with `.title` and `.iter_rows(min_row, max_row, max_col, values_only=True)`. Values as openpyxl
    gives them with data_only=True: int or float, str (shared, inline or formula result), bool, datetime
    for a date-formatted number. Sheets named in `skip` read as empty."""

    def __init__(self, zf: zipfile.ZipFile, skip: Sequence[str] = ()):
        self.zf = zf
        root = _parse(zf, "xl/workbook.xml")
        rels = {r.get("Id"): r for r in _parse(zf, "xl/_rels/workbook.xml.rels").iter(f"{_PKG_NS}Relationship")}
        pr = root.find(f"{_NS}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        self.worksheets: list[_ZipSheet] = []
        for sheet in root.iter(f"{_NS}sheet"):
            rel = rels.get(sheet.get(f"{_REL_NS}id"))
            if rel is None or not rel.get("Type", "").endswith("/worksheet"):
                continue
            title = sheet.get("name", "")
            part = None if title in skip else _part_path("xl", rel.get("Target", ""))
            self.worksheets.append(_ZipSheet(self, title, part))
        self._rels = rels
        self._strings: list[str] | None = None
        self._date_styles: set[int] | None = None

    def _related(self, kind: str) -> str | None:
        for rel in self._rels.values():
            if rel.get("Type", "").endswith(f"/{kind}"):
                part = _part_path("xl", rel.get("Target", ""))
                return part if part in self.zf.NameToInfo else None
        return None

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            part = self._related("sharedStrings")
            self._strings = [] if part is None else [_rich_text(si) for si in _parse(self.zf, part).iter(_SI)]
        return self._strings

    @property
    def date_styles(self) -> set[int]:
        """Indexes of the cell formats that show a number as a date or time (openpyxl turns those into
        datetimes, which read_xlsx refuses as figures)."""
        if self._date_styles is None:
            from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

            self._date_styles = set()
            part = self._related("styles")
            if part is not None:
                root = _parse(self.zf, part)
                codes = dict(BUILTIN_FORMATS)
                for nf in root.iter(f"{_NS}numFmt"):
                    codes[int(nf.get("numFmtId", -1))] = nf.get("formatCode", "")
                xfs = root.find(f"{_NS}cellXfs")
                for i, xf in enumerate(xfs if xfs is not None else ()):
                    if is_date_format(codes.get(int(xf.get("numFmtId", 0)), "")):
                        self._date_styles.add(i)
        return self._date_styles

    def value(self, cell) -> object:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(_IS)
            return None if inline is None else _rich_text(inline)
        text = cell.findtext(_V)
        if not text:
            return None
        if kind == "n":
            number = float(text) if ("." in text or "e" in text or "E" in text) else int(text)
            style = int(cell.get("s", 0) or 0)
            if style and style in self.date_styles:
                from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel

                try:
                    return from_excel(number, CALENDAR_MAC_1904 if self.date1904 else WINDOWS_EPOCH)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(text)
        return text  # str (a formula's text result), e (an error such as #N/A)


def _rich_text(element) -> str:
    """A shared or inline string: its plain text, or its runs' text (phonetic guides left out)."""
    parts = [element.findtext(_T) or ""]
    parts += [run.findtext(_T) or "" for run in element.findall(_R)]
    return "".join(parts)


class _ZipSheet:
    def __init__(self, book: _ZipWorkbook, title: str, part: str | None):
        self.book = book
        self.title = title
        self.part = part

    def _rows(self) -> Iterator[tuple[int, dict[int, object]]]:
        """(row number, {column: value}) for each row of the sheet that has cells (a row or cell without its
        reference follows the one before it)."""
        if self.part is None:
            return
        row_no = 0
        value = self.book.value
        for row in _row_elements(self.book.zf, self.part):
            r = row.get("r")
            row_no = int(r) if r else row_no + 1
            col_no, cells = 0, {}
            for c in row:
                if c.tag != _C:
                    continue
                ref = c.get("r")
                col_no = _column(ref) if ref else col_no + 1
                v = value(c)
                if v is not None:
                    cells[col_no] = v
            yield row_no, cells

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, min_col: int = 1,
                  max_col: int | None = None, values_only: bool = True) -> Iterator[tuple]:
        """Every row from min_row on, consecutively (rows with no cells as empty tuples), each from min_col to
        max_col (or its last cell); at most read_xlsx.MAX_DATA_ROWS + 1 rows when max_row is not given."""
        from exporters.read_xlsx import MAX_DATA_ROWS

        assert values_only, "only values are read"
        last = max_row if max_row is not None else min_row + MAX_DATA_ROWS
        expected = min_row
        for row_no, cells in self._rows():
            if row_no < expected:
                continue
            if row_no > last:
                break
            while expected < row_no:
                yield ()
                expected += 1
            width = max_col if max_col is not None else max(cells, default=0)
            yield tuple(cells.get(c) for c in range(min_col, width + 1))
            expected += 1


def _column(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n


# --- Reading many files --------------------------------------------------------------------------------------

Progress = Callable[[int, int, str], None]  # (files done, files in all, name of the file just read)


def default_workers(count: int) -> int:
    if count < POOL_MIN_FILES:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS, count // 4))


def read_sources(paths: Sequence[str | os.PathLike], *, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None, workers: int | None = None,
                 reader: Callable[[str], Source] = read_one) -> list[Source]:
    """Read every file (in worker processes when there are many), in the order given. `progress` is called
    after each file; `cancelled` is asked between files, and Cancelled raised when it says so. `reader` must
    be a module-level function when worker processes are used (it is sent to them). Worker processes that
    cannot start (they die before the first file is read) leave the reading to this process; a worker that
    dies later is an AggregateError."""
    names = [str(p) for p in paths]
    total = len(names)
    workers = default_workers(total) if workers is None else workers
    out: list[Source | None] = [None] * total

    def done(i: int, source: Source, count: int) -> None:
        out[i] = source
        if progress:
            progress(count, total, Path(names[i]).name)

    if workers > 1 and _read_in_workers(names, workers, reader, done, cancelled):
        return out  # type: ignore[return-value]
    for i, name in enumerate(names):
        if cancelled and cancelled():
            raise Cancelled
        done(i, reader(name), i + 1)
    return out  # type: ignore[return-value]


def _read_in_workers(names: list[str], workers: int, reader: Callable[[str], Source],
                     done: Callable[[int, Source, int], None], cancelled: Callable[[], bool] | None) -> bool:
    """True when every file was read by the worker processes; False when they could not start."""
    import multiprocessing

    # spawn, never fork: the caller may be a Qt application with threads of its own
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: dict[Future, int] = {}
        count = 0
        try:
            pending = {pool.submit(reader, name): i for i, name in enumerate(names)}
            while pending:
                if cancelled and cancelled():
                    raise Cancelled
                finished, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for fut in finished:
                    source = fut.result()
                    count += 1
                    done(pending.pop(fut), source, count)
        except BrokenProcessPool:
            pool.shutdown(wait=False, cancel_futures=True)
            if count == 0:
                return False
            raise AggregateError("读取文件的进程意外退出（可能是内存不足），没有汇总。请分批汇总，或关闭其他程序后重试。") from None
        except BaseException:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return True


def combine(sources: Sequence[Source]) -> AggregateResult:
    """The sum of the sources that were read. MixedInputsError when they are not all of one template and
    year (naming the odd ones); NothingToSumError when none was read. A body read a second time is listed
    with the unreadable files and not summed again (the first one read counts)."""
    unreadable = [Unreadable(Path(s.path), s.error) for s in sources if s.error]
    read = [s for s in sources if not s.error]
    if not read:
        why = "；".join(u.reason for u in unreadable[:3]) + ("……" if len(unreadable) > 3 else "")
        raise NothingToSumError(f"没有可以汇总的报告：{why}" if unreadable else "没有可以汇总的报告（没有给出文件）",
                                unreadable)
    _refuse_mixed(read)
    template, year = read[0].template, read[0].year
    tpl = load_template(template)
    bodies: list[BodyFigures] = []
    first: dict[str, BodyFigures] = {}
    for s in read:
        key = "".join(s.body.split())
        if key in first:
            unreadable.append(Unreadable(Path(s.path), f"{Path(s.path).name}：与“{first[key].path.name}”是同一单位"
                                                        f"（{s.body}），只汇总了前一份，这一份未计入"))
            continue
        first[key] = BodyFigures(s.body, Path(s.path), s.values, list(s.problems), tpl)
        bodies.append(first[key])
    order = {Path(s.path): i for i, s in enumerate(sources)}
    unreadable.sort(key=lambda u: order.get(u.path, 0))
    return AggregateResult(template, year, bodies, unreadable, sum_inputs(tpl, (b.values for b in bodies)))


def sum_inputs(tpl: Template, values: Iterable[dict[str, Number]]) -> dict[str, Number]:
    """Each input cell summed over the bodies' values (totals left out: they are computed from the sums)."""
    inputs = [c.id for c in tpl.input_cells]
    sums: dict[str, Number] = {}
    for body in values:
        for cid in inputs:
            value = body.get(cid)
            if value is not None:
                sums[cid] = sums[cid] + value if cid in sums else value
    for cid, value in sums.items():
        if tpl.cells[cid].kind == "money":
            sums[cid] = Decimal(value)
    return sums


def _refuse_mixed(read: Sequence[Source]) -> None:
    groups: dict[tuple[str, int], list[Source]] = {}
    for s in read:
        groups.setdefault((s.template, s.year), []).append(s)
    if len(groups) == 1:
        return
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))  # stable: the first seen wins a tie
    (main_key, main), others = ranked[0], ranked[1:]
    lines = ["所选报告不是同一格式、同一年度的，不能一起汇总，没有写出任何文件："]
    for (template, year), sources in others:
        names = "、".join(Path(s.path).name for s in sources[:20]) + (f" 等 {len(sources)} 份" if len(sources) > 20 else "")
        lines.append(f"  {_group_name(template, year)}：{names}")
    lines.append(f"其余 {len(main)} 份是{_group_name(*main_key)}。请只选同一年度、同一格式的报告，把上面这些文件移走后再汇总。")
    raise MixedInputsError("\n".join(lines))


def _group_name(template: str, year: int) -> str:
    return f"{year} 年度（{load_template(template).short_name}）"


def aggregate(paths: Sequence[str | os.PathLike], **kwargs) -> AggregateResult:
    """Read and sum: combine(read_sources(expand_inputs(paths), **kwargs))."""
    return combine(read_sources(expand_inputs(paths), **kwargs))


# --- The county's own draft ----------------------------------------------------------------------------------


def summary_draft(result: AggregateResult, body: str, meta: dict[str, str] | None = None) -> Draft:
    """A new draft of the same template and year whose figures are the sums (totals computed by the
    program, as in any draft); the narrative is left for the clerk to write."""
    body = body.strip()
    if not body:
        raise DraftError("缺少机关全称（body）")
    draft = new_draft(result.template, body, result.year, meta)
    draft.values = dict(result.sums)
    return draft


# --- The summary workbook ------------------------------------------------------------------------------------

METHOD_TEXT = ("各表每个填报格是各单位所填数字之和（空格不计；各单位都未填的格留空）；各项总计由汇总后的各项计算，"
               "不采用各单位自己填写的总计。")


def summary_workbook(result: AggregateResult, body: str = "", meta: dict[str, str] | None = None,
                     now: datetime | None = None):
    """The summary workbook: 封面, the summed tables and 数据 (exporters.xlsx.workbook of the summary draft,
    so exactly the annex's layout, and importable as the county's draft), then 各单位数据, 未通过检查, 无法读取."""
    from exporters import xlsx

    draft = summary_draft(result, body or DEFAULT_BODY, meta)
    wb = xlsx.workbook(draft)
    wb.remove(wb[xlsx.TEXT_SHEET])  # the summary has no narrative
    _summary_cover(wb[xlsx.COVER_SHEET], result, draft, now or datetime.now())
    _bodies_sheet(wb.create_sheet(BODIES_SHEET), result)
    _problems_sheet(wb.create_sheet(PROBLEMS_SHEET), result)
    _unreadable_sheet(wb.create_sheet(UNREADABLE_SHEET), result)
    return wb


def write_summary(result: AggregateResult, path: str | os.PathLike, body: str = "",
                  meta: dict[str, str] | None = None) -> None:
    """Write the summary workbook whole or not at all (a missing folder raises, leaving nothing)."""
    wb = summary_workbook(result, body, meta)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _text_cell(ws, row: int, col: int, text: str, font=None):
    from exporters.xlsx import FONT, escape_text

    cell = ws.cell(row, col)
    cell.value = escape_text(text) if text else None
    if text:
        cell.data_type = "s"  # a body named "=…" stays text
    cell.font = font or FONT
    return cell


class _Figures:
    """Writes figures as exporters.xlsx does (the number and the format that shows it as the report does), in
    宋体. Each cell takes a copy of the style of a first cell with the same format and weight: setting a font
    on each of a hundred thousand cells costs openpyxl seconds of hashing."""

    def __init__(self, ws):
        self.ws = ws
        self.styles: dict[tuple[str, bool], object] = {}

    def put(self, row: int, col: int, value: Number | None, kind: str, bold: bool = False):
        from copy import copy

        from exporters.xlsx import BOLD, FONT, figure
        from forms.values import format_value

        number, number_format = figure(format_value(value, kind), kind)
        cell = self.ws.cell(row, col, number)
        key = (number_format, bold)
        if key in self.styles:
            cell._style = copy(self.styles[key])
        else:
            cell.number_format = number_format
            cell.font = BOLD if bold else FONT
            self.styles[key] = copy(cell._style)
        return cell


def _summary_cover(ws, result: AggregateResult, draft: Draft, now: datetime) -> None:
    """The annex's cover (填报单位, 年度, 报告格式, 格式编号 and meta, so read_xlsx imports the summary), with
    what was summed inserted after 格式编号."""
    from exporters.xlsx import BOLD, BORDER, LEFT

    n_fail = len(result.failing)
    rows = [
        ("汇总", f"{len(result.bodies)} 个单位的报告之和（各单位的数字见“{BODIES_SHEET}”表）"),
        ("无法读取", f"{len(result.unreadable)} 个文件，未计入汇总（见“{UNREADABLE_SHEET}”表）" if result.unreadable
         else "无"),
        ("未通过检查", f"{n_fail} 个单位的报告有错误（见“{PROBLEMS_SHEET}”表）" if n_fail else "无"),
        ("汇总方法", METHOD_TEXT),
        ("汇总时间", now.strftime("%Y-%m-%d %H:%M")),
    ]
    ws.insert_rows(5, len(rows))
    for r, (label, value) in enumerate(rows, start=5):
        _text_cell(ws, r, 1, label, BOLD).alignment = LEFT
        cell = _text_cell(ws, r, 2, value)
        cell.alignment = LEFT
        cell.number_format = "@"
        for c in (1, 2):
            ws.cell(r, c).border = BORDER
    ws.row_dimensions[5 + 3].height = 60  # 汇总方法 wraps


def _bodies_sheet(ws, result: AggregateResult) -> None:
    """One row per body, one column per cell: row label / column label / cell id on three header rows
    (a row label merged over its columns), each body's inputs and the totals computed from them; a total the
    body stated differently is shaded, with the stated figure in a comment. Last row: 合计."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Border, Font, PatternFill, Side

    from exporters.xlsx import BOLD, BORDER, CENTRE, FONT, LEFT

    tpl = result.tpl
    cells = [c for t in tpl.tables for c in t.cells]
    first = len(FIXED_COLS) + 1
    last = first + len(cells) - 1
    small = Font(name=FONT.name, size=8, color="666666")
    shade = PatternFill("solid", fgColor="FDE7E9")
    grey = PatternFill("solid", fgColor="EEF1F5")
    for c, label in enumerate(FIXED_COLS, start=1):
        _text_cell(ws, 1, c, label, BOLD).alignment = CENTRE
        ws.merge_cells(start_row=1, start_column=c, end_row=HEADER_ROWS, end_column=c)
    start = 0
    for i, cell in enumerate(cells):
        col = first + i
        if i == start:
            _text_cell(ws, 1, col, f"{tpl.table(cell.table).name} {cell.row_label}".strip(), BOLD).alignment = CENTRE
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        if nxt is None or (nxt.table, nxt.row_key) != (cell.table, cell.row_key):
            if i > start:  # the row label over all its columns
                ws.merge_cells(start_row=1, start_column=first + start, end_row=1, end_column=col)
            start = i + 1
        col_label = cell.col_label or cell.unit
        if cell.kind == "money" and cell.unit and cell.unit not in col_label:
            col_label = f"{col_label}（{cell.unit}）"
        _text_cell(ws, 2, col, col_label).alignment = CENTRE
        _text_cell(ws, 3, col, cell.id, small).alignment = CENTRE
        ws.column_dimensions[col_letters(col)].width = 12
    for r in range(1, HEADER_ROWS + 1):
        for c in range(1, last + 1):
            ws.cell(r, c).border = BORDER
            ws.cell(r, c).fill = grey
    figures = _Figures(ws)
    r = HEADER_ROWS
    for n, b in enumerate(result.bodies, start=1):
        r += 1
        ws.cell(r, 1, n).font = FONT
        _text_cell(ws, r, 2, b.body).alignment = LEFT
        ws.cell(r, 3, b.errors or None).font = FONT
        ws.cell(r, 4, b.warnings or None).font = FONT
        _text_cell(ws, r, 5, b.path.name)
        completed = b.completed
        for i, cell in enumerate(cells):
            target = figures.put(r, first + i, completed.get(cell.id), cell.kind)
            if b.stated_differs(cell.id):
                target.fill = shade
                target.comment = Comment(f"该单位填报 {fmt(b.values[cell.id])}，各项相加为 "
                                         f"{fmt(completed.get(cell.id))}；此处按各项相加计", "年报")
    r += 1
    _text_cell(ws, r, 2, TOTAL_ROW_LABEL, BOLD)
    totals = result.totals
    thin = Side(style="thin", color="000000")
    for c in range(1, last + 1):
        ws.cell(r, c).border = Border(top=thin, bottom=Side(style="double", color="000000"))
    for i, cell in enumerate(cells):
        figures.put(r, first + i, totals.get(cell.id), cell.kind, bold=True)
    ws.row_dimensions[1].height = 48
    ws.row_dimensions[2].height = 48
    ws.row_dimensions[3].height = 30
    for col, width in zip("ABCDE", (6, 26, 6, 6, 30), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(HEADER_ROWS + 1, 3).coordinate
    ws.print_title_rows = f"1:{HEADER_ROWS}"
    ws.print_title_cols = "A:B"
    ws.print_options.gridLines = True
    _print_landscape(ws, fit_width=False)


def _print_landscape(ws, fit_width: bool = True) -> None:
    """A4 landscape; a list sheet one page wide (as many pages down as needed)."""
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape"
    ws.page_margins.left = ws.page_margins.right = 0.4
    if fit_width:
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _problems_sheet(ws, result: AggregateResult) -> None:
    """Each problem of each body: errors first (every body), then warnings."""
    from exporters.xlsx import BOLD, TOP_LEFT

    header = ("单位", "文件", "严重程度", "规则", "单元格", "说明")
    widths = (28, 24, 9, 10, 40, 90)
    for c, label in enumerate(header, start=1):
        _text_cell(ws, 1, c, label, BOLD)
    r = 1
    for body, problem in result.problems():
        r += 1
        cells = "、".join(problem.cells[:MAX_CELLS_LISTED])
        if len(problem.cells) > MAX_CELLS_LISTED:
            cells += f" 等 {len(problem.cells)} 个"
        row = (body.body, body.path.name, SEVERITY_NAMES[problem.severity], problem.rule, cells, problem.message)
        for c, text in enumerate(row, start=1):
            _text_cell(ws, r, c, text).alignment = TOP_LEFT
        _fit_row(ws, r, row, widths)
    for col, width in zip("ABCDEF", widths, strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:F{max(r, 1)}"
    _print_landscape(ws)


def _fit_row(ws, row: int, texts: Sequence[str], widths: Sequence[float]) -> None:
    """A row tall enough for its wrapped texts (no spreadsheet program sizes rows written by openpyxl)."""
    from unicodedata import east_asian_width

    def lines(text: str, chars: float) -> int:
        per_line = max(chars - 1.5, 2.0)
        return sum(max(1, -(-sum(2 if east_asian_width(ch) in "WF" else 1 for ch in part) // int(per_line)))
                   for part in text.split("\n"))

    ws.row_dimensions[row].height = max(lines(t, w) for t, w in zip(texts, widths, strict=True)) * 14.5 + 4


def _unreadable_sheet(ws, result: AggregateResult) -> None:
    from exporters.xlsx import BOLD, TOP_LEFT

    for c, label in enumerate(("文件", "文件夹", "原因"), start=1):
        _text_cell(ws, 1, c, label, BOLD)
    for r, u in enumerate(result.unreadable, start=2):
        row = (u.path.name, str(u.path.parent), u.reason)
        for c, text in enumerate(row, start=1):
            _text_cell(ws, r, c, text).alignment = TOP_LEFT
        _fit_row(ws, r, row, (36, 36, 90))
    for col, width in zip("ABC", (36, 36, 90), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    _print_landscape(ws)
