"""Checks across years (reference §5 XY-CARRY, XY-STOCK): this year's draft against last year's report of the
same body.

The rules are data (`[[cross_year]]` in the template files), in the ids of this year's template. Last
year's draft is read through the template's mapping from its format (`[[mappings]]`): only cells with an
exact counterpart are compared, and a rule whose previous figure has no counterpart is reported once, as
information, instead of being checked against something that means another thing.

All findings are warnings: scope changes (机构改革, revised or expired documents) legitimately break them.
"""

from __future__ import annotations

from forms.checks import Problem, effective_value, fmt
from forms.draft import Draft, DraftError, Number, from_dict
from forms.store import StoreError
from forms.template import CrossYear, Mapping, Template


def source_label(tpl: Template, previous: Draft) -> str:
    """How messages name last year's format: '2019年格式'."""
    mapping = tpl.mapping_from(previous.template)
    return mapping.label if mapping else previous.tpl.short_name


def previous_values(tpl: Template, previous: Draft) -> tuple[dict[str, Number | None], Mapping | None]:
    """Last year's figures in this template's cell ids (effective values: a total not stated is computed),
    and the mapping used; ({}, None) when the template declares no mapping from last year's format."""
    mapping = tpl.mapping_from(previous.template)
    if mapping is None:
        return {}, None
    ptpl = previous.tpl
    memo: dict = {}
    return {to: effective_value(ptpl, previous.values, frm, memo) for frm, to in mapping.cells.items()}, mapping


def check_cross_year(draft: Draft, previous: Draft) -> list[Problem]:
    tpl = draft.tpl
    if not tpl.cross_year:
        return []
    last, mapping = previous_values(tpl, previous)
    available = mapping.target_ids() if mapping else set()
    label = source_label(tpl, previous)
    memo: dict = {}
    out: list[Problem] = []
    unavailable: dict[int, CrossYear] = {}
    for xy in tpl.cross_year:
        rule = tpl.rules[xy.rule]
        if not all(p in available for p in xy.previous):
            unavailable.setdefault(xy.entry, xy)
            continue
        this = effective_value(tpl, draft.values, xy.this, memo)
        before = [last.get(p) for p in xy.previous]
        plus = [effective_value(tpl, draft.values, c, memo) for c in xy.plus]
        minus = [effective_value(tpl, draft.values, c, memo) for c in xy.minus]
        if this is None or any(v is None for v in before + plus + minus):
            continue  # blank on either side: nothing to compare yet
        expected = sum(before) + sum(plus) - sum(minus)
        if this == expected:
            continue
        terms = "、".join(f"上年报告（{previous.year}年）{tpl.describe(c)} {fmt(v)}"
                         for c, v in zip(xy.previous, before, strict=True))
        terms += "".join(f"，加本年{tpl.describe(c)} {fmt(v)}" for c, v in zip(xy.plus, plus, strict=True))
        terms += "".join(f"，减本年{tpl.describe(c)} {fmt(v)}" for c, v in zip(xy.minus, minus, strict=True))
        message = (f"{tpl.describe(xy.this)}是 {fmt(this)}，按上年报告应为 {fmt(expected)}（{terms}）。"
                   f"{rule.explain}。请核对；如确因口径变化而不同，可确认此提示并说明原因。")
        out.append(Problem(rule.severity, rule.id, (xy.this, *xy.plus, *xy.minus), message))
    for xy in unavailable.values():
        out.append(Problem("info", xy.rule, (), f"上年报告（{label}）没有“{xy.previous_label}”，无法核对{xy.label}。"))
    return out


def find_previous(store, body: str, year: int) -> Draft | None:
    """Last year's draft of this body in the store (not in the bin; a clerk's draft before a bundled
    sample; the most recently edited first), for the application to check against automatically."""
    infos = [i for i in store.list() if i.body == body and i.year == year - 1]
    infos.sort(key=lambda i: i.is_sample)  # stable: newest edit first within each kind
    for info in infos:
        try:
            _, data = store.load(info.id)
            return from_dict(data)
        except (DraftError, StoreError):  # a draft that no longer reads is no previous report; try the next
            continue
    return None
