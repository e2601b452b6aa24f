"""Checks over a draft: the template's identities, number formats, blank cells and required parts.

The engine is generic: every identity comes from the template file. Totals are computed by the program;
where a draft states a total (an imported report does), the stated figure is compared with the computed
one and a difference is an error naming both. A blank cell is never silently 0: it is summed as nothing,
and each table with blanks gets one warning listing them.

Which value an identity sees: the stated figure where there is one, else the computed one. So a wrong
stated total is reported once, on the identity that defines it, and not again on every identity that uses
it (T3-BAL uses the (七)总计 as printed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from forms.draft import Draft, Number
from forms.template import Identity, Template

MAX_LISTED = 5  # cells named in a message before "等 N 个"


@dataclass(frozen=True)
class Place:
    """Where in the text of a part a problem sits: the paragraph (0-based; paragraphs are separated by
    "\n"), the character offset in it and the length of the marked text."""

    paragraph: int
    offset: int
    length: int

    def to_json(self) -> dict:
        return {"paragraph": self.paragraph, "offset": self.offset, "length": self.length}


@dataclass(frozen=True)
class Problem:
    severity: str  # error | warning | info
    rule: str
    cells: tuple[str, ...]
    message: str
    section: str | None = None  # the part a text problem belongs to
    places: tuple[Place, ...] = ()  # where in that part (text problems), in reading order
    fix: str | None = None  # id of the automatic fix offered (forms.textcheck.FIXES), None when there is none

    def to_json(self) -> dict:
        out = {"severity": self.severity, "rule": self.rule, "cells": list(self.cells), "message": self.message}
        if self.section:
            out["section"] = self.section
        if self.places:
            out["places"] = [p.to_json() for p in self.places]
        if self.fix:
            out["fix"] = self.fix
        return out


def fmt(value: Number | None) -> str:
    if value is None:
        return "空"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return str(value)


# --- Totals --------------------------------------------------------------------------------------------------


def computed_value(tpl: Template, values: dict[str, Number], cell_id: str, memo: dict | None = None) -> Number | None:
    """The figure the program computes for a total cell: the sum of its parts' effective values, or None
    when every part is blank (nothing to add up yet)."""
    memo = {} if memo is None else memo
    if cell_id in memo:
        return memo[cell_id]
    ident = tpl.computed_by[cell_id]
    parts = [effective_value(tpl, values, p, memo) for p in ident.right]
    present = [v for v in parts if v is not None]
    result = sum(present) if present else None
    memo[cell_id] = result
    return result


def effective_value(tpl: Template, values: dict[str, Number], cell_id: str, memo: dict | None = None) -> Number | None:
    """The stated figure, or for a total that is not stated, the computed one."""
    stated = values.get(cell_id)
    if stated is not None or cell_id not in tpl.computed_by:
        return stated
    return computed_value(tpl, values, cell_id, memo)


def completed_values(draft: Draft) -> dict[str, Number]:
    """Every cell's figure as it will be shown and exported: inputs as typed, totals computed."""
    tpl = draft.tpl
    memo: dict = {}
    out = dict(draft.values)
    for cid in tpl.computed_by:
        value = computed_value(tpl, draft.values, cid, memo)
        if value is not None:
            out[cid] = value
        else:
            out.pop(cid, None)
    return out


def derived_values(draft: Draft) -> dict[str, Number | None]:
    """The template's derived figures (e.g. 不予公开 = the sum of its eight rows), for narrative checks."""
    tpl = draft.tpl
    memo: dict = {}
    out = {}
    for d in tpl.derived:
        parts = [effective_value(tpl, draft.values, p, memo) for p in d.parts]
        present = [v for v in parts if v is not None]
        out[d.key] = sum(present) if present else None
    return out


# --- The checks ----------------------------------------------------------------------------------------------


def check(draft: Draft, previous: Draft | None = None) -> list[Problem]:
    """Every problem of the draft, errors first, each in the template's order. The text checks
    (forms.textcheck) always run; with `previous` (last year's report of the same body) the checks across
    years (forms.crossyear) and the comparison with last year's text run too."""
    from forms import crossyear, textcheck  # they build on Problem and the values above

    tpl = draft.tpl
    problems: list[Problem] = []
    problems += check_formats(tpl, draft.values)
    problems += check_identities(tpl, draft.values)
    problems += check_blanks(tpl, draft.values)
    problems += check_required(tpl, draft)
    problems += textcheck.check_text(draft)
    if previous is not None:
        problems += crossyear.check_cross_year(draft, previous)
        problems += textcheck.check_copied(draft, previous)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(problems, key=lambda p: order[p.severity])


def check_formats(tpl: Template, values: dict[str, Number]) -> list[Problem]:
    """NONNEG: counts are integers >= 0 (signed cells may be negative), money >= 0 with few enough decimals."""
    rule = tpl.rules.get("NONNEG")
    if rule is None:
        return []
    out = []
    for cid, value in values.items():
        cell = tpl.cells[cid]
        problem = None
        if cell.kind == "money":
            if value < 0:
                problem = "金额不能为负数"
            elif value != round(value, cell.decimals):
                problem = f"金额最多保留 {cell.decimals} 位小数"
        elif not isinstance(value, int):
            problem = "件数必须是整数"
        elif value < 0 and cell.kind != "signed":
            problem = "不能为负数"
        if problem:
            out.append(Problem(rule.severity, rule.id, (cid,),
                               f"{tpl.describe(cid)}填的是 {fmt(value)}：{problem}。请改正这个数字。"))
    return out


def check_identities(tpl: Template, values: dict[str, Number]) -> list[Problem]:
    memo: dict = {}
    out = []
    for ident in tpl.identities:
        problem = _check_identity(tpl, values, ident, memo)
        if problem:
            out.append(problem)
    return out


def _check_identity(tpl: Template, values, ident: Identity, memo: dict) -> Problem | None:
    rule = tpl.rules[ident.rule]
    right = [effective_value(tpl, values, c, memo) for c in ident.right]
    if ident.total is not None:
        stated = values.get(ident.total)
        if stated is None or all(v is None for v in right):
            return None  # a computed total not stated, or nothing to add up yet (the blanks are warned)
        should = sum(v for v in right if v is not None)
        if stated == should:
            return None
        fix = f"应为 {fmt(should)}。请改为 {fmt(should)}，或核对各项数字。" if ident.computed else "请核对。"
        message = (f"{tpl.describe(ident.total)}填的是 {fmt(stated)}，但各项相加是 {fmt(should)}"
                   f"（{rule.explain}），{fix}")
        return Problem(rule.severity, rule.id, (ident.total,) + ident.right, message)
    left = [effective_value(tpl, values, c, memo) for c in ident.left]
    if any(v is None for v in left + right):
        return None  # a comparison with a blank term cannot be judged yet; the blank is warned (BLANK)
    lsum = sum(v for v in left if v is not None)
    rsum = sum(v for v in right if v is not None)
    holds = lsum == rsum if ident.op == "==" else lsum <= rsum
    if holds:
        return None
    where, names = _common_place(tpl, ident.cells)
    lterms = _terms(ident.left, left, names)
    rterms = _terms(ident.right, right, names)
    if ident.op == "==":
        message = (f"{where}{lterms}为 {fmt(lsum)}，{rterms}为 {fmt(rsum)}，两者应相等（{rule.explain}），"
                   f"现相差 {fmt(abs(lsum - rsum))}。请核对这些数字。")
    else:
        message = f"{where}{lterms}为 {fmt(lsum)}，不应大于{rterms}（{fmt(rsum)}）（{rule.explain}）。请核对。"
    return Problem(rule.severity, rule.id, ident.cells, message)


def _common_place(tpl: Template, cells: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Where an identity lives ('表三“自然人”列：') and each cell's short name within it."""
    cs = [tpl.cells[c] for c in cells]
    table = tpl.table(cs[0].table)
    same_table = all(c.table == table.id for c in cs)
    if same_table and len({c.col_key for c in cs}) == 1 and cs[0].row_label:
        return f"{table.name}“{cs[0].col_label}”列：", {c.id: f"“{c.row_label}”" for c in cs}
    if same_table and len({c.row_key for c in cs}) == 1 and cs[0].col_label:
        where = f"{table.name}“{cs[0].row_label}”行：" if cs[0].row_label else f"{table.name}："
        return where, {c.id: f"“{c.col_label}”" for c in cs}
    return "", {c.id: tpl.describe(c.id) for c in cs}


def _terms(cells: tuple[str, ...], vals: list, names: dict[str, str]) -> str:
    return "加".join(f"{names[c]}（{fmt(v)}）" for c, v in zip(cells, vals, strict=True)) + ("之和" if len(cells) > 1 else "")


def check_blanks(tpl: Template, values: dict[str, Number]) -> list[Problem]:
    """One warning per table listing its blank input cells (totals are computed, so never blank)."""
    rule = tpl.rules.get("BLANK")
    if rule is None:
        return []
    out = []
    for table in tpl.tables:
        blank = [c.id for c in table.cells if c.id not in values and c.id not in tpl.computed_by]
        if not blank:
            continue
        named = "、".join(tpl.describe(c).removeprefix(table.name) for c in blank[:MAX_LISTED])
        more = f"等 {len(blank)} 个空格" if len(blank) > MAX_LISTED else ""
        out.append(Problem(rule.severity, rule.id, tuple(blank),
                           f"{table.name}有 {len(blank)} 个空格未填：{named}{more}。{rule.explain}。"))
    return out


def check_required(tpl: Template, draft: Draft) -> list[Problem]:
    rule = tpl.rules.get("REQUIRED")
    if rule is None:
        return []
    return [
        Problem(rule.severity, rule.id, (), f"“{p.heading}”还没有写：{rule.explain}。", section=p.key)
        for p in tpl.parts
        if p.required and not draft.sections.get(p.key, "").strip()
    ]


def state_of(draft: Draft) -> dict:
    """What the drafts library shows for a draft ({"errors": N, "warnings": M}); stored with each revision
    so that listing a thousand drafts never re-checks them."""
    problems = check(draft)
    return {"errors": sum(p.severity == "error" for p in problems),
            "warnings": sum(p.severity == "warning" for p in problems)}
