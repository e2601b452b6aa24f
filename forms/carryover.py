"""Starting this year's report from last year's (issue 5, "Starting from last year").

`start_from(previous, …)` makes the new draft:
- every column of 上年结转 (carried_over) takes last year's carried_forward (its effective value: a total
  last year's draft did not state is computed). Which cell takes which is data: the `[[cross_year]]` entries with
  `carry = true` of the new draft's template, read through its `[[mappings]]` when last year's report is of
  another format. Nothing else is prefilled (not even 现行有效件数: this year's 制发/废止 are not known yet);
- the narrative parts with a counterpart are copied as a starting point and marked as not yet revised
  (draft.extra["unrevised"]: part key -> hash of the copied text; TEXT-UNREVISED warns until the clerk
  edits the part);
- meta carries over (not the date of last year's report), and so do the clerk's choices that belong to the
  body: the body type and the strings kept in Traditional characters.

`notes` says, in Chinese, what was carried, what was copied and what has no counterpart in the new format.
This module reads drafts, never files: the command line and the application load last year's report
(from the store, a draft file or a Word/Excel report) and hand it over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from forms.checks import computed_value, effective_value
from forms.draft import Draft, new_draft, template_for_year
from forms.textcheck import KEEP_KEY, UNREVISED_KEY, text_hash

CARRIED_EXTRA = ("body_type", KEEP_KEY)  # draft.extra keys that belong to the body, not to the year


@dataclass
class CarryOver:
    draft: Draft
    notes: list[str] = field(default_factory=list)  # for the clerk, one line each
    carried: list[str] = field(default_factory=list)  # cell ids filled from last year's report
    copied: list[str] = field(default_factory=list)  # part keys copied from last year's report


def start_from(previous: Draft, *, body: str | None = None, year: int | None = None,
               template: str | None = None) -> CarryOver:
    """A new draft for `year` (default: the year after last year's report) of `body` (default: the same),
    in `template` (default: the format in force for the year), started from `previous`."""
    year = previous.year + 1 if year is None else year
    body = (body or previous.body).strip()
    template = template or template_for_year(year)
    meta = {k: v for k, v in previous.meta.items() if k != "date"}
    draft = new_draft(template, body, year, meta)
    for key in CARRIED_EXTRA:
        if key in previous.extra:
            draft.extra[key] = previous.extra[key]
    result = CarryOver(draft)
    tpl = draft.tpl
    mapping = tpl.mapping_from(previous.template)
    source = f"上年报告（{mapping.label if mapping else previous.tpl.short_name}）"
    if mapping is None:
        result.notes.append(f"{source}与本年的{tpl.short_name}没有对应关系：只沿用了机关名称和联系方式，"
                            "表格和文字需重新填写。")
        return result

    # The narrative, marked as not yet revised.
    unrevised = {}
    for src_key, key in mapping.sections.items():
        text = previous.sections.get(src_key, "")
        if text.strip():
            draft.sections[key] = text
            unrevised[key] = text_hash(text)
            result.copied.append(key)
    if unrevised:
        draft.extra[UNREVISED_KEY] = unrevised
        names = "、".join(_heading(tpl, k) for k in result.copied)
        result.notes.append(f"已从上年报告复制：{names}。这些部分标为“尚未修改”，请逐一按本年度情况改写。")
    ptpl = previous.tpl
    for src_key, why in mapping.sections_none.items():
        if previous.sections.get(src_key, "").strip():
            result.notes.append(f"上年的“{_heading(ptpl, src_key)}”没有复制：{why}。")

    # The carried-over figures.
    last = {to: frm for frm, to in mapping.cells.items()}
    memo: dict = {}
    totals, missing, done, counts = [], {}, {}, {}
    for xy in tpl.cross_year:
        if not xy.carry:
            continue
        frm = last.get(xy.previous[0])
        if frm is None:
            missing.setdefault(xy.entry, xy)
            continue
        value = effective_value(ptpl, previous.values, frm, memo)
        if value is None:
            continue
        if tpl.is_computed(xy.this):
            totals.append((xy, value))  # the program computes it from the columns; see below
            continue
        draft.values[xy.this] = value
        result.carried.append(xy.this)
        done.setdefault(xy.entry, xy)
        counts[xy.entry] = counts.get(xy.entry, 0) + 1
    for xy, value in totals:
        # A total is stated only where last year's report gave the total alone (its columns blank).
        if computed_value(tpl, draft.values, xy.this) is None:
            draft.values[xy.this] = value
            result.carried.append(xy.this)
            done.setdefault(xy.entry, xy)
            counts[xy.entry] = counts.get(xy.entry, 0) + 1
    for xy in done.values():
        result.notes.append(f"“{xy.label}”已按上年报告的“{xy.previous_label}”填入（{counts[xy.entry]} 格）。")
    for xy in missing.values():
        result.notes.append(f"{source}没有“{xy.previous_label}”，{xy.label}需手工填写")

    # What last year's figures have no counterpart in this format (only those last year's report filled).
    if previous.template != template:
        reasons = {}
        for cid, why in mapping.none.items():
            if effective_value(ptpl, previous.values, cid, memo) is not None:
                reasons.setdefault(why, 0)
                reasons[why] += 1
        for why, n in reasons.items():
            result.notes.append(f"{source}的 {n} 个数字在{tpl.short_name}中没有对应项：{why}。")
    return result


def _heading(tpl, key: str) -> str:
    heading = tpl.part(key).heading
    return heading or "开头段落"


def existing_draft(store, body: str, year: int):
    """The clerk's draft (not a bundled sample, not in the bin) for this body and year, if the store holds
    one: a second draft for the same report is most likely a mistake, so the caller asks first."""
    for info in store.list():
        if info.body == body and info.year == year and not info.is_sample:
            return info
    return None

