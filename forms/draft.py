"""The draft: one report being written, and the draft file it travels in (reference draft-file.md).

A draft holds the template id, the body, the year, meta (contact details), the narrative of each part and
the figures typed into the tables. A blank cell is an absent key, never 0. Money is Decimal, never float:
JSON numbers are parsed straight into Decimal so no binary rounding reaches an exported document.

Older draft files are upgraded by MIGRATIONS (a function per version, run in order), so a file written by
any earlier version still opens.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from forms.template import Template, TemplateError, load_template

FORMAT = "nianbao-draft"
FORMAT_VERSION = 1
SUFFIX = ".nianbao.json"
META_KEYS = ("office", "address", "postcode", "phone", "email", "preparer", "date")
MAX_FILE_BYTES = 20 * 1024 * 1024  # a real draft is ~20 kB; anything this big is not one

Number = int | Decimal


class DraftError(Exception):
    """A draft file that cannot be used; the message (Chinese, one line) says which part of it and why."""


@dataclass
class Draft:
    template: str
    body: str
    year: int
    meta: dict[str, str] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    values: dict[str, Number] = field(default_factory=dict)  # absent = blank
    extra: dict = field(default_factory=dict)  # top-level keys added by later versions, kept as they are

    @property
    def tpl(self) -> Template:
        return load_template(self.template)

    def get(self, cell_id: str) -> Number | None:
        return self.values.get(cell_id)

    def set(self, cell_id: str, value: Number | None) -> None:
        if cell_id not in self.tpl.cells:
            raise KeyError(cell_id)
        if value is None:
            self.values.pop(cell_id, None)
        else:
            self.values[cell_id] = value

    def copy(self) -> Draft:
        return from_dict(to_dict(self))


def new_draft(template_id: str, body: str, year: int, meta: dict | None = None) -> Draft:
    """An empty draft: every part empty, every cell blank."""
    tpl = load_template(template_id)
    return Draft(template_id, body, year, dict(meta or {}), {k: "" for k in tpl.section_keys}, {})


def template_for_year(year: int) -> str:
    """The official format in force for a reporting year (2021 on, 2019-2020, before 2019)."""
    if year >= 2021:
        return "national-2021"
    if year >= 2019:
        return "national-2019"
    return "legacy-2008"


# --- Migrations: each takes a file's dict at version N-1 and returns it at version N -----------------------


def _v0_to_v1(data: dict) -> dict:
    """Version 0 was the prototype's shape: `organ` for the body, `contact` for meta, `parts` for sections,
    `cells` for values, blanks written as "" ."""
    out = {k: v for k, v in data.items() if k not in ("organ", "contact", "parts", "cells")}
    out["body"] = data.get("body", data.get("organ", ""))
    out["meta"] = data.get("meta", data.get("contact", {}))
    out["sections"] = data.get("sections", data.get("parts", {}))
    cells = data.get("values", data.get("cells", {}))
    out["values"] = {k: v for k, v in cells.items() if v not in ("", None)}
    return out


MIGRATIONS = {1: _v0_to_v1}


def migrate(data: dict) -> dict:
    version = data.get("format_version", 0)
    if not isinstance(version, int) or version < 0:
        raise DraftError(f"format_version “{version}” 无效")
    if version > FORMAT_VERSION:
        raise DraftError(f"此文件由更新版本的年报制作（格式版本 {version}），请升级年报后再打开")
    while version < FORMAT_VERSION:
        version += 1
        data = MIGRATIONS[version](data)
        data["format_version"] = version
    return data


# --- dict <-> Draft ------------------------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def _read_value(cell_id: str, raw, tpl: Template) -> Number | None:
    """A value as the file states it. Out-of-range or non-integer counts are kept: `check` reports them."""
    where = f"单元格 {cell_id}（{tpl.describe(cell_id)}）"
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise DraftError(f"{where}的值 {json.dumps(raw)} 不是数字")
    if isinstance(raw, int):
        number: Number = raw
    elif isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, str) and _NUMBER_TEXT.match(raw.strip()):
        number = Decimal(raw.strip())
    else:
        raise DraftError(f"{where}的值“{raw}”不是数字")
    if not number.is_finite() if isinstance(number, Decimal) else False:
        raise DraftError(f"{where}的值“{raw}”不是数字")
    if tpl.cells[cell_id].kind == "money":
        return Decimal(number)
    if isinstance(number, Decimal) and number == number.to_integral_value():
        return int(number)
    return number


def from_dict(data: dict, source: str = "") -> Draft:
    prefix = f"{source}：" if source else ""
    try:
        return _from_dict(data)
    except DraftError as exc:
        raise DraftError(prefix + str(exc)) from None


def _from_dict(data: dict) -> Draft:
    if not isinstance(data, dict):
        raise DraftError("不是年报草稿文件（内容不是一个 JSON 对象）")
    if data.get("format") != FORMAT:
        raise DraftError(f"不是年报草稿文件（format 应为 “{FORMAT}”）")
    data = migrate(dict(data))
    template_id = data.get("template")
    if not isinstance(template_id, str):
        raise DraftError("缺少报告格式（template）")
    try:
        tpl = load_template(template_id)
    except TemplateError as exc:
        raise DraftError(str(exc)) from None
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        raise DraftError("缺少机关全称（body）")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise DraftError(f"年度“{year}”无效（应为 2000 至 2100 之间的整数）")
    meta = data.get("meta") or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise DraftError("meta 应为文字项的对象")
    sections = data.get("sections") or {}
    if not isinstance(sections, dict):
        raise DraftError("sections 应为对象")
    for key, text in sections.items():
        if key not in tpl.section_keys:
            raise DraftError(f"“{template_id}”格式没有名为“{key}”的部分（可用：{'、'.join(tpl.section_keys)}）")
        if not isinstance(text, str):
            raise DraftError(f"部分“{key}”的内容应为文字")
    raw_values = data.get("values") or {}
    if not isinstance(raw_values, dict):
        raise DraftError("values 应为对象")
    values: dict[str, Number] = {}
    for cell_id, raw in raw_values.items():
        if cell_id not in tpl.cells:
            raise DraftError(f"“{template_id}”格式没有单元格“{cell_id}”")
        value = _read_value(cell_id, raw, tpl)
        if value is not None:
            values[cell_id] = value
    known = {"format", "format_version", "template", "body", "year", "meta", "sections", "values"}
    extra = {k: v for k, v in data.items() if k not in known}
    full_sections = {k: sections.get(k, "") for k in tpl.section_keys}
    return Draft(template_id, body.strip(), year, dict(meta), full_sections, values, extra)


def _json_value(value: Number) -> int | str:
    # Decimals travel as strings so no reader turns them into binary floats.
    return value if isinstance(value, int) else format(value, "f")


def to_dict(draft: Draft) -> dict:
    tpl = draft.tpl
    order = {cid: i for i, cid in enumerate(tpl.cells)}
    values = {k: _json_value(v) for k, v in sorted(draft.values.items(), key=lambda kv: order.get(kv[0], 1 << 30))}
    out = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "template": draft.template,
        "body": draft.body,
        "year": draft.year,
        "meta": dict(draft.meta),
        "sections": {k: draft.sections.get(k, "") for k in tpl.section_keys},
        "values": values,
    }
    out.update(draft.extra)
    return out


# --- Files ---------------------------------------------------------------------------------------------------


def dumps(draft: Draft) -> str:
    return json.dumps(to_dict(draft), ensure_ascii=False, indent=2) + "\n"


def loads(text: str, source: str = "") -> Draft:
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, InvalidOperation, ValueError) as exc:
        prefix = f"{source}：" if source else ""
        raise DraftError(f"{prefix}不是有效的 JSON（{_json_error(exc)}）") from None
    return from_dict(data, source)


def _refuse_constant(name: str):
    raise ValueError(f"不接受 {name}")


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}"
    return str(exc)


def read_draft(path: str | os.PathLike) -> Draft:
    path = Path(path)
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DraftError(f"{name}：文件过大，不是年报草稿文件")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DraftError(f"{name}：文件不存在") from None
    except IsADirectoryError:
        raise DraftError(f"{name}：是文件夹，不是草稿文件") from None
    except OSError as exc:
        raise DraftError(f"{name}：无法读取（{exc.strerror}）") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DraftError(f"{name}：不是 UTF-8 文本，不是年报草稿文件") from None
    return loads(text, name)


def write_text_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, then replace: the old file stays whole until the
    new one is complete, so a crash or a full disk never leaves half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_draft(draft: Draft, path: str | os.PathLike) -> None:
    write_text_atomic(Path(path), dumps(draft))
