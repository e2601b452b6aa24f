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


def load_template_file(path: Path) -> Template:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{Path(path).name}：无法读取：{exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{Path(path).name}：不是有效的 TOML：{exc}") from exc
    return _Builder(Path(path), data).build()


class _Builder:
    """Turns the parsed TOML into a Template, checking every reference as it goes."""

    def __init__(self, path: Path, data: dict):
        self.path = path
        self.data = data

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
            parts.append(
                Part(key, spec.get("heading", ""), bool(spec.get("required", False)),
                     spec.get("guidance", "").strip(), tuple(spec.get("tables", [])))
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
