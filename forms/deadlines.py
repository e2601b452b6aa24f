"""Statutory deadlines for publishing the report (条例 第四十九条; reference format-national.md §1.1)."""

from __future__ import annotations

from datetime import date

BODY_TYPES = ("部门", "县级以上人民政府", "乡镇街道")


def deadline(body_type: str, year: int) -> date | None:
    """The date by which the report on `year` must be published: departments by 31 January, county-level
    and higher governments by 31 March of the next year; townships have no statutory date (set locally).
    Reports of the 2008 条例 era (up to 2018) were all due by 31 March (2007 条例 第三十一条)."""
    if body_type == "部门" and year >= 2019:
        return date(year + 1, 1, 31)
    if body_type == "县级以上人民政府" or (body_type == "部门" and year < 2019):
        return date(year + 1, 3, 31)
    return None


def deadline_text(body_type: str, year: int) -> str:
    d = deadline(body_type, year)
    if d is None:
        return "乡镇、街道的报告期限由上级规定（条例未规定统一日期）"
    basis = "条例第四十九条" if year >= 2019 else "2007年条例第三十一条"
    return f"应于{d.year}年{d.month}月{d.day}日前公布（{basis}）"


def export_after_deadline(body_type: str, year: int, today: date) -> str | None:
    """What an exporter or the application notes when the report on `year` is exported after its statutory
    deadline; None before it, or when the body has no statutory date (townships)."""
    d = deadline(body_type, year)
    if d is None or today <= d:
        return None
    return f"已超过法定公布期限（{deadline_text(body_type, year)}）"
