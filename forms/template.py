"""The official formats, loaded from the data files in forms/templates/ into typed objects.

A template file holds everything the program knows about one official format: its parts, its tables
(grid, merges, labels, cell ids, types and units) and its identities. Nothing else in the program knows a
row label or a merge. A malformed file is refused at load with a message naming the file and the place,
so a new format from Beijing is a new file, and a mistake in it is found the moment it is read.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

TEMPLATES_DIR = Path(__file__).with_name("templates")

KINDS = ("count", "signed", "money")
SEVERITIES = ("error", "warning", "info")
OPS = ("==", "<=")


class TemplateError(Exception):
    """A template file that cannot be used; the message names the file and the place."""


# --- A1 addresses ----------------------------------------------------------------------------------------

_A1 = re.compile(r"^([A-Z]{1,3})([1-9][0-9]*)$")


def col_index(letters: str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letters(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass(frozen=True)
class Range:
    """A rectangle of the grid, 1-based and inclusive: a single cell or a merge."""

    row1: int
    col1: int
    row2: int
    col2: int

    @classmethod
    def parse(cls, text: str) -> Range:
        parts = text.strip().split(":")
        if len(parts) not in (1, 2):
            raise ValueError(f"“{text}”不是 A1 地址或区域")
        ends = []
        for p in parts:
            m = _A1.match(p)
            if not m:
                raise ValueError(f"“{text}”不是 A1 地址或区域")
            ends.append((int(m.group(2)), col_index(m.group(1))))
        (r1, c1), (r2, c2) = ends[0], ends[-1]
        if r2 < r1 or c2 < c1:
            raise ValueError(f"区域“{text}”的终点在起点之前")
        return cls(r1, c1, r2, c2)

    @property
    def is_merge(self) -> bool:
        return self.row2 > self.row1 or self.col2 > self.col1

    def overlaps(self, other: Range) -> bool:
        return not (self.row2 < other.row1 or other.row2 < self.row1 or self.col2 < other.col1 or other.col2 < self.col1)

    def inside(self, rows: int, cols: int) -> bool:
        return self.row1 >= 1 and self.col1 >= 1 and self.row2 <= rows and self.col2 <= cols

    def a1(self) -> str:
        first = f"{col_letters(self.col1)}{self.row1}"
        return first if not self.is_merge else f"{first}:{col_letters(self.col2)}{self.row2}"


# --- Typed objects -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    at: Range
    text: str
    role: str  # caption | header | group | note | row | column | unit


@dataclass(frozen=True)
class Cell:
    """One data cell of an official table."""

    id: str
    table: str
    row_key: str
    col_key: str
    row_label: str  # long names used in messages, in the table's own words
    col_label: str
    kind: str  # count | signed | money
    unit: str
    decimals: int
    at: Range
    level: int = 0


@dataclass(frozen=True)
class Table:
    id: str
    name: str  # 表三
    title: str  # 三、收到和处理政府信息公开申请情况
    rows: int
    cols: int
    header_rows: int
    labels: tuple[Label, ...]  # every fixed text cell, including row and column labels, in grid order
    cells: tuple[Cell, ...]  # every data cell, in grid order (row by row)
    row_keys: tuple[str, ...]
    col_keys: tuple[str, ...]
    col_widths: tuple[float, ...] = ()  # relative widths, for writers; empty = writer decides


@dataclass(frozen=True)
class Part:
    key: str
    heading: str  # "" for the unnumbered opening paragraph
    required: bool
    guidance: str
    tables: tuple[str, ...] = ()
    # words that identify this part's heading in reports that word it their own way (the 2008 era had no
    # national outline): the importer matches "三、…依申请公开…" to `requests` by them
    heading_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    name: str
    explain: str


@dataclass(frozen=True)
class Identity:
    """sum(left) op sum(right). For a total, left is (total,), right its parts, and `computed` is True when
    the program fills the total in."""

    rule: str
    left: tuple[str, ...]
    op: str
    right: tuple[str, ...]
    total: str | None = None
    computed: bool = False

    @property
    def cells(self) -> tuple[str, ...]:
        return self.left + self.right


@dataclass(frozen=True)
class Derived:
    key: str
    label: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class CrossYear:
    """A figure of this year that follows from last year's report (reference §5 XY-CARRY, XY-STOCK):
    this == sum(previous) + sum(plus) - sum(minus), where `previous` is read from last year's draft and
    `plus`/`minus` from this year's. Every id is one of this template's; a draft of another format is first
    translated into them through `Template.mapping_from`. `carry`: starting a report from last year's copies
    `previous` into `this` (only for a plain "this = one cell of last year")."""

    rule: str
    this: str
    previous: tuple[str, ...]
    plus: tuple[str, ...] = ()
    minus: tuple[str, ...] = ()
    carry: bool = False
    label: str = ""  # what `this` is, for messages: "上年结转"
    previous_label: str = ""  # what `previous` is called in last year's report (from the template)
    entry: int = 0  # index of the [[cross_year]] entry, shared by the instances of one foreach


N_GROUP = r"(?<![\d.])(?P<n>\d[\d,]*(?:\.\d+)?)"


@dataclass(frozen=True)
class NarrativeFigure:
    """A phrase of the narrative that states a figure the tables hold (reference §5 TXT-TBL). `pattern` has
    the group `n` (the number); `values` are cell ids or derived keys whose sum the number must equal;
    `within`: the phrase counts only after this topic (the nearest topic before it in the clause)."""

    name: str
    pattern: re.Pattern
    values: tuple[str, ...]
    within: re.Pattern | None = None
    money: bool = False


@dataclass
class Mapping:
    """How a draft of another (earlier) format reads in this one: only exact counterparts are mapped; every
    other cell of the source is in `none`, with the reason it has no counterpart."""

    source: str  # template id of the earlier format
    label: str  # how messages name it: "2019年格式"
    cells: dict[str, str]  # source cell id -> this template's cell id
    none: dict[str, str]  # source cell id -> why it has no counterpart
    sections: dict[str, str]  # source part key -> this template's part key
    sections_none: dict[str, str]  # source part key -> why it has no counterpart

    def target_ids(self) -> set[str]:
        return set(self.cells.values())


@dataclass
class Template:
    id: str
    name: str
    basis: str
    first_year: int
    last_year: int | None
    title_suffix: str
    parts: tuple[Part, ...]
    rules: dict[str, Rule]
    tables: tuple[Table, ...]
    identities: tuple[Identity, ...]
    derived: tuple[Derived, ...]
    path: Path
    cells: dict[str, Cell] = field(default_factory=dict)
    # cell id -> the identity that computes it (the first one declared, when two agree on a corner cell)
    computed_by: dict[str, Identity] = field(default_factory=dict)
    cross_year: tuple[CrossYear, ...] = ()
    narrative_figures: tuple[NarrativeFigure, ...] = ()
    mappings: dict[str, Mapping] = field(default_factory=dict)  # source template id -> Mapping

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    def part(self, key: str) -> Part:
        for p in self.parts:
            if p.key == key:
                return p
        raise KeyError(key)

    @property
    def section_keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.parts)

    def is_computed(self, cell_id: str) -> bool:
        return cell_id in self.computed_by

    @property
    def input_cells(self) -> list[Cell]:
        return [c for t in self.tables for c in t.cells if c.id not in self.computed_by]

    @property
    def short_name(self) -> str:
        """'2021年格式' — the name without its document number."""
        return self.name.split("（")[0]

    def derived_item(self, key: str) -> Derived | None:
        return next((d for d in self.derived if d.key == key), None)

    def mapping_from(self, source_id: str) -> Mapping | None:
        """How a draft of format `source_id` reads in this one (the identity for this format itself);
        None when the template declares no mapping from that format."""
        if source_id == self.id:
            return Mapping(self.id, self.short_name, {c: c for c in self.cells}, {},
                           {k: k for k in self.section_keys}, {})
        return self.mappings.get(source_id)

    def describe(self, cell_id: str) -> str:
        """'表三“（一）予以公开”行“自然人”列' — a cell in the table's own words."""
        c = self.cells[cell_id]
        t = self.table(c.table)
        if c.row_label and c.col_label:
            return f"{t.name}“{c.row_label}”行“{c.col_label}”列"
        return f"{t.name}“{c.row_label or c.col_label}”"


# --- Loading ----------------------------------------------------------------------------------------------


def available_templates() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.toml"))


@cache
def load_template(template_id: str) -> Template:
    """The template with this id, from forms/templates/; TemplateError if unknown or malformed."""
    path = TEMPLATES_DIR / f"{template_id}.toml"
    if not re.fullmatch(r"[a-z0-9-]+", template_id) or not path.is_file():
        known = "、".join(available_templates())
        raise TemplateError(f"未知的报告格式“{template_id}”（可用：{known}）")
    return load_template_file(path)


def load_template_file(path: Path, *, with_mappings: bool = True) -> Template:
    """`with_mappings` False skips the [[mappings]] section (used to load the source format of a mapping
    without loading its own sources in turn)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{Path(path).name}：无法读取：{exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{Path(path).name}：不是有效的 TOML：{exc}") from exc
    return _Builder(Path(path), data, with_mappings).build()


class _Builder:
    """Turns the parsed TOML into a Template, checking every reference as it goes."""

    def __init__(self, path: Path, data: dict, with_mappings: bool = True):
        self.path = path
        self.data = data
        self.with_mappings = with_mappings

    def fail(self, where: str, problem: str) -> TemplateError:
        return TemplateError(f"模板文件 {self.path.name}：{where}：{problem}")

    def need(self, obj: dict, key: str, where: str, typ=str):
        if key not in obj:
            raise self.fail(where, f"缺少“{key}”")
        value = obj[key]
        if not isinstance(value, typ):
            raise self.fail(where, f"“{key}”的类型不对")
        return value

    def range(self, text, where: str, table: Table | None = None, grid=None) -> Range:
        if not isinstance(text, str):
            raise self.fail(where, "地址应为字符串")
        try:
            r = Range.parse(text)
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None
        if grid and not r.inside(*grid):
            raise self.fail(where, f"区域 {text} 超出表格（{grid[0]} 行 × {grid[1]} 列）")
        return r

    def build(self) -> Template:
        d = self.data
        tid = self.need(d, "id", "文件头")
        if tid != self.path.stem:
            raise self.fail("文件头", f"id “{tid}” 与文件名不一致")
        rules = self.build_rules()
        tables = tuple(self.build_table(t, i) for i, t in enumerate(self.need(d, "tables", "文件头", list)))
        seen_tables: set[str] = set()
        cells: dict[str, Cell] = {}
        for t in tables:
            if t.id in seen_tables:
                raise self.fail(f"表格 {t.id}", "表格 id 重复")
            seen_tables.add(t.id)
            for c in t.cells:
                if c.id in cells:
                    raise self.fail(f"表格 {t.id} 单元格 {c.at.a1()}", f"单元格 id “{c.id}” 重复")
                cells[c.id] = c
        parts = self.build_parts(seen_tables)
        identities = tuple(self.build_identities(tables, cells, rules))
        derived = tuple(self.build_derived(tables, cells))
        computed_by: dict[str, Identity] = {}
        for ident in identities:
            if ident.computed and ident.total not in computed_by:
                computed_by[ident.total] = ident
        self.check_cycles(computed_by)
        cross_year = tuple(self.build_cross_year(tables, cells, rules))
        figures = tuple(self.build_narrative_figures(cells, derived))
        mappings = self.build_mappings(cells, parts) if self.with_mappings else {}
        tpl = Template(
            id=tid,
            name=self.need(d, "name", "文件头"),
            basis=d.get("basis", ""),
            first_year=self.need(d, "first_year", "文件头", int),
            last_year=d.get("last_year"),
            title_suffix=d.get("title_suffix", "政府信息公开工作年度报告"),
            parts=parts,
            rules=rules,
            tables=tables,
            identities=identities,
            derived=derived,
            path=self.path,
            cells=cells,
            computed_by=computed_by,
            cross_year=cross_year,
            narrative_figures=figures,
            mappings=mappings,
        )
        return tpl

    def build_rules(self) -> dict[str, Rule]:
        rules = {}
        for rid, spec in self.need(self.data, "rules", "文件头", dict).items():
            where = f"规则 {rid}"
            sev = self.need(spec, "severity", where)
            if sev not in SEVERITIES:
                raise self.fail(where, f"严重程度“{sev}”应为 error、warning 或 info")
            rules[rid] = Rule(rid, sev, spec.get("name", rid), spec.get("explain", ""))
        return rules

    def build_parts(self, table_ids: set[str]) -> tuple[Part, ...]:
        parts, keys = [], set()
        for i, spec in enumerate(self.need(self.data, "parts", "文件头", list)):
            key = self.need(spec, "key", f"第 {i + 1} 个部分")
            where = f"部分 {key}"
            if key in keys:
                raise self.fail(where, "部分 key 重复")
            keys.add(key)
            for t in spec.get("tables", []):
                if t not in table_ids:
                    raise self.fail(where, f"引用了不存在的表格“{t}”")
            keywords = spec.get("heading_keywords", [])
            if not isinstance(keywords, list) or not all(isinstance(w, str) and w for w in keywords):
                raise self.fail(where, "heading_keywords 应为非空文字的列表")
            parts.append(
                Part(key, spec.get("heading", ""), bool(spec.get("required", False)),
                     spec.get("guidance", "").strip(), tuple(spec.get("tables", [])), tuple(keywords))
            )
        return tuple(parts)

    def build_table(self, spec: dict, index: int) -> Table:
        tid = self.need(spec, "id", f"第 {index + 1} 个表格")
        where = f"表格 {tid}"
        grid = self.need(spec, "grid", where, list)
        if len(grid) != 2 or not all(isinstance(n, int) and n > 0 for n in grid):
            raise self.fail(where, "grid 应为 [行数, 列数]")
        labels: list[Label] = []
        for lab in spec.get("labels", []):
            at = self.range(lab.get("at"), f"{where} 标签“{lab.get('text', '')}”", grid=grid)
            labels.append(Label(at, self.need(lab, "text", f"{where} 标签 {at.a1()}"), lab.get("role", "header")))
        cells: list[Cell] = []
        row_keys: list[str] = []
        col_keys: list[str] = []
        for b, block in enumerate(self.need(spec, "blocks", where, list)):
            bwhere = f"{where} 第 {b + 1} 个数据块"
            pattern = self.need(block, "cell_id", bwhere)
            unit_col = block.get("unit_at")
            columns = self.need(block, "columns", bwhere, list)
            rows = self.need(block, "rows", bwhere, list)
            for col in columns:
                ckey = self.need(col, "key", bwhere)
                cwhere = f"{bwhere} 列 {ckey}"
                if ckey not in col_keys:
                    col_keys.append(ckey)
                if "label_at" in col:
                    labels.append(Label(self.range(col["label_at"], cwhere, grid=grid), col.get("text", ""), "column"))
            for row in rows:
                rkey = self.need(row, "key", bwhere)
                rwhere = f"{bwhere} 行 {rkey}"
                if not isinstance(row.get("at"), int):
                    raise self.fail(rwhere, "行的 at 应为行号")
                if "label_at" in row:
                    labels.append(Label(self.range(row["label_at"], rwhere, grid=grid), row.get("text", ""), "row"))
                if unit_col and row.get("unit") and not row.get("group"):
                    labels.append(Label(self.range(f"{unit_col}{row['at']}", rwhere, grid=grid), row["unit"], "unit"))
                if row.get("group"):
                    continue  # a heading row of the form: a label, no figure
                if rkey not in row_keys:
                    row_keys.append(rkey)
                for col in columns:
                    ckey = col["key"]
                    letters = str(col.get("at", "")).split(":")
                    a1 = f"{letters[0]}{row['at']}" + (f":{letters[-1]}{row['at']}" if len(letters) > 1 else "")
                    at = self.range(a1, f"{rwhere} 列 {ckey}", grid=grid)
                    kind = row.get("type", col.get("type", "count"))
                    if kind not in KINDS:
                        raise self.fail(f"{rwhere} 列 {ckey}", f"类型“{kind}”应为 {'、'.join(KINDS)}")
                    cid = pattern.replace("{row}", rkey).replace("{col}", ckey)
                    cells.append(Cell(
                        id=cid, table=tid, row_key=rkey, col_key=ckey,
                        row_label=row.get("label", row.get("text", "")),
                        col_label=col.get("label", col.get("text", "")),
                        kind=kind,
                        unit=row.get("unit", col.get("unit", "件")),
                        decimals=int(row.get("decimals", col.get("decimals", 0 if kind != "money" else 4))),
                        at=at,
                        level=int(row.get("level", 0)),
                    ))
        self.check_overlaps(where, labels, cells)
        cells.sort(key=lambda c: (c.at.row1, c.at.col1))
        labels.sort(key=lambda lab: (lab.at.row1, lab.at.col1))
        widths = tuple(float(w) for w in spec.get("col_widths", []))
        if widths and len(widths) != grid[1]:
            raise self.fail(where, f"col_widths 有 {len(widths)} 项，表格有 {grid[1]} 列")
        return Table(tid, spec.get("name", tid), spec.get("title", ""), grid[0], grid[1],
                     int(spec.get("header_rows", 0)), tuple(labels), tuple(cells), tuple(row_keys),
                     tuple(col_keys), widths)

    def check_overlaps(self, where: str, labels: list[Label], cells: list[Cell]) -> None:
        placed = [(lab.at, f"标签“{lab.text}”") for lab in labels] + [(c.at, f"单元格 {c.id}") for c in cells]
        placed.sort(key=lambda p: (p[0].row1, p[0].col1))
        for i, (r1, name1) in enumerate(placed):
            for r2, name2 in placed[i + 1:]:
                if r2.row1 > r1.row2:
                    break
                if r1.overlaps(r2):
                    raise self.fail(where, f"{name1}（{r1.a1()}）与{name2}（{r2.a1()}）重叠")

    def expand(self, spec: dict, tables: tuple[Table, ...], where: str) -> list[dict[str, str]]:
        """The substitutions of a `foreach`: a list of {name: value} (one empty dict when there is none)."""
        foreach = spec.get("foreach")
        if not foreach:
            return [{}]
        if not isinstance(foreach, dict) or len(foreach) != 1:
            raise self.fail(where, "foreach 应为 {名称 = 取值列表}")
        (name, values), = foreach.items()
        if isinstance(values, str):
            kind, _, tid = values.partition(":")
            table = next((t for t in tables if t.id == tid), None)
            if kind not in ("rows", "columns") or table is None:
                raise self.fail(where, f"foreach “{values}” 应为 rows:表格 或 columns:表格，且表格存在")
            values = table.row_keys if kind == "rows" else table.col_keys
        return [{name: v} for v in values]

    def substitute(self, ids, subst: dict[str, str], cells: dict[str, Cell], where: str) -> tuple[str, ...]:
        if not isinstance(ids, list) or not ids:
            raise self.fail(where, "单元格列表为空或类型不对")
        out = []
        for raw in ids:
            cid = raw
            for name, value in subst.items():
                cid = cid.replace("{" + name + "}", value)
            if cid not in cells:
                raise self.fail(where, f"引用了不存在的单元格“{cid}”")
            out.append(cid)
        return tuple(out)

    def build_identities(self, tables, cells, rules) -> list[Identity]:
        out = []
        for i, spec in enumerate(self.data.get("identities", [])):
            rule = self.need(spec, "rule", f"第 {i + 1} 个恒等式")
            where = f"恒等式 {rule}"
            if rule not in rules:
                raise self.fail(where, f"规则“{rule}”未在 [rules] 中声明")
            for subst in self.expand(spec, tables, where):
                w = f"{where}（{', '.join(subst.values())}）" if subst else where
                if "total" in spec:
                    total = self.substitute([spec["total"]], subst, cells, w)
                    parts = self.substitute(spec.get("parts"), subst, cells, w)
                    if total[0] in parts:
                        raise self.fail(w, f"总计 {total[0]} 不能同时是自己的组成部分")
                    out.append(Identity(rule, total, "==", parts, total[0], bool(spec.get("computed", True))))
                else:
                    op = spec.get("op", "==")
                    if op not in OPS:
                        raise self.fail(w, f"比较符“{op}”应为 == 或 <=")
                    out.append(Identity(rule, self.substitute(spec.get("left"), subst, cells, w), op,
                                        self.substitute(spec.get("right"), subst, cells, w)))
        return out

    def build_derived(self, tables, cells) -> list[Derived]:
        out = []
        for i, spec in enumerate(self.data.get("derived", [])):
            where = f"派生数 {spec.get('key', i + 1)}"
            for subst in self.expand(spec, tables, where):
                key = self.need(spec, "key", where)
                for name, value in subst.items():
                    key = key.replace("{" + name + "}", value)
                if key in cells:
                    raise self.fail(where, f"派生数 key “{key}” 与单元格 id 重复")
                out.append(Derived(key, spec.get("label", key), self.substitute(spec.get("parts"), subst, cells, where)))
        return out

    def build_cross_year(self, tables, cells, rules) -> list[CrossYear]:
        """[[cross_year]]: rule, this, previous (one id or a list), optional plus/minus lists, foreach,
        carry, label, previous_label."""
        out = []
        for i, spec in enumerate(self.data.get("cross_year", [])):
            rule = self.need(spec, "rule", f"第 {i + 1} 个跨年核对")
            where = f"跨年核对 {rule}"
            if rule not in rules:
                raise self.fail(where, f"规则“{rule}”未在 [rules] 中声明")
            unknown = set(spec) - {"rule", "this", "previous", "plus", "minus", "foreach", "carry", "label",
                                   "previous_label"}
            if unknown:
                raise self.fail(where, f"不认识的键“{'、'.join(sorted(unknown))}”")
            carry = spec.get("carry", False)
            if not isinstance(carry, bool):
                raise self.fail(where, "carry 应为 true 或 false")
            label = spec.get("label", rules[rule].name)
            previous_label = spec.get("previous_label", label)
            if not isinstance(label, str) or not isinstance(previous_label, str):
                raise self.fail(where, "label、previous_label 应为文字")
            this = self.need(spec, "this", where)
            previous = spec.get("previous")
            if isinstance(previous, str):
                previous = [previous]
            if previous is None:
                raise self.fail(where, "缺少“previous”")
            for subst in self.expand(spec, tables, where):
                w = f"{where}（{', '.join(subst.values())}）" if subst else where
                plus = self.substitute(spec["plus"], subst, cells, w) if "plus" in spec else ()
                minus = self.substitute(spec["minus"], subst, cells, w) if "minus" in spec else ()
                prev = self.substitute(previous, subst, cells, w)
                if carry and (plus or minus or len(prev) != 1):
                    raise self.fail(w, "carry = true 只能用于“本年某格 = 上年某格”（不能有 plus、minus）")
                out.append(CrossYear(rule, self.substitute([this], subst, cells, w)[0], prev, plus, minus,
                                     carry, label, previous_label, i))
        return out

    def build_narrative_figures(self, cells, derived) -> list[NarrativeFigure]:
        """[[narrative_figures]]: name, pattern (a regular expression with one {n} where the number
        stands), value (cell ids or derived keys: the number must equal their sum), optional within."""
        derived_keys = {d.key for d in derived}
        out = []
        for i, spec in enumerate(self.data.get("narrative_figures", [])):
            name = self.need(spec, "name", f"第 {i + 1} 个文字数字")
            where = f"文字数字“{name}”"
            raw = self.need(spec, "pattern", where)
            if raw.count("{n}") != 1:
                raise self.fail(where, "pattern 中应恰好有一个 {n}（数字所在的位置）")
            pattern = self.regex(raw.replace("{n}", r"\s*" + N_GROUP + r"\s*"), where, "pattern")
            values = spec.get("value")
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise self.fail(where, "value 应为单元格 id 或派生数 key（或它们的列表）")
            for v in values:
                if v not in cells and v not in derived_keys:
                    raise self.fail(where, f"引用了不存在的单元格或派生数“{v}”")
            within = self.regex(spec["within"], where, "within") if "within" in spec else None
            money = any(cells[v].kind == "money" for v in values if v in cells)
            out.append(NarrativeFigure(name, pattern, tuple(values), within, money))
        return out

    def regex(self, text, where: str, key: str) -> re.Pattern:
        if not isinstance(text, str):
            raise self.fail(where, f"{key} 应为文字")
        try:
            return re.compile(text)
        except re.error as exc:
            raise self.fail(where, f"{key} 不是有效的正则表达式：{exc}") from None

    def build_mappings(self, cells, parts) -> dict[str, Mapping]:
        """[[mappings]]: from (an earlier format), label, identical (tables whose shared cell ids mean the
        same), cells ([{from, to}]), none ([{match = glob, why}]), sections, sections_none. Every cell and
        part of the source must be either mapped or listed with the reason it has none."""
        out: dict[str, Mapping] = {}
        part_keys = {p.key for p in parts}
        for i, spec in enumerate(self.data.get("mappings", [])):
            src_id = self.need(spec, "from", f"第 {i + 1} 个格式对应")
            where = f"格式对应（来自 {src_id}）"
            src_path = self.path.with_name(f"{src_id}.toml")
            if src_id == self.path.stem:
                raise self.fail(where, "不能对应自己")
            if src_id in out:
                raise self.fail(where, "重复声明")
            if not re.fullmatch(r"[a-z0-9-]+", src_id) or not src_path.is_file():
                raise self.fail(where, f"未知的报告格式“{src_id}”")
            src = load_template_file(src_path, with_mappings=False)
            mapped: dict[str, str] = {}
            for tid in spec.get("identical", []):
                if tid not in {t.id for t in src.tables} or not any(c.table == tid for c in cells.values()):
                    raise self.fail(where, f"identical 中的表格“{tid}”不在两种格式中")
                mapped.update({c.id: c.id for c in src.table(tid).cells if c.id in cells})
            for pair in spec.get("cells", []):
                frm, to = self.need(pair, "from", where), self.need(pair, "to", where)
                if frm not in src.cells:
                    raise self.fail(where, f"{src_id} 没有单元格“{frm}”")
                if to not in cells:
                    raise self.fail(where, f"引用了不存在的单元格“{to}”")
                mapped[frm] = to
            seen: dict[str, str] = {}
            for frm, to in mapped.items():
                if to in seen:
                    raise self.fail(where, f"“{seen[to]}”和“{frm}”对应到同一个单元格“{to}”")
                seen[to] = frm
            none: dict[str, str] = {}
            for entry in spec.get("none", []):
                glob, why = self.need(entry, "match", where), self.need(entry, "why", where)
                hits = [c for c in src.cells if fnmatchcase(c, glob) and c not in mapped]
                if not hits:
                    raise self.fail(where, f"none 中的“{glob}”不匹配 {src_id} 的任何未对应单元格")
                for c in hits:
                    none.setdefault(c, why)
            missing = [c for c in src.cells if c not in mapped and c not in none]
            if missing:
                raise self.fail(where, f"{src_id} 的单元格“{missing[0]}”等 {len(missing)} 个既没有对应项，"
                                       "也没有列入 none（说明为什么没有对应项）")
            sections = spec.get("sections", {})
            sections_none = spec.get("sections_none", {})
            if not isinstance(sections, dict) or not isinstance(sections_none, dict):
                raise self.fail(where, "sections、sections_none 应为表")
            for frm, to in sections.items():
                if frm not in src.section_keys or to not in part_keys:
                    raise self.fail(where, f"部分对应“{frm} = {to}”引用了不存在的部分")
            for key in src.section_keys:
                if (key in sections) == (key in sections_none):
                    raise self.fail(where, f"{src_id} 的部分“{key}”应在 sections 或 sections_none 中（且只在其一）")
            label = spec.get("label", src.short_name)
            out[src_id] = Mapping(src_id, label, mapped, none, dict(sections), dict(sections_none))
        return out

    def check_cycles(self, computed_by: dict[str, Identity]) -> None:
        state: dict[str, int] = {}

        def visit(cid: str, trail: list[str]) -> None:
            if state.get(cid) == 2 or cid not in computed_by:
                return
            if state.get(cid) == 1:
                raise self.fail("恒等式", f"总计互相依赖：{' → '.join(trail + [cid])}")
            state[cid] = 1
            for part in computed_by[cid].right:
                visit(part, trail + [cid])
            state[cid] = 2

        for cid in computed_by:
            visit(cid, [])
