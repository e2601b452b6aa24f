"""What every reader returns: the draft it made, and what it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from forms.draft import Draft, read_draft


@dataclass
class ImportResult:
    draft: Draft
    unread: list[str] = field(default_factory=list)  # in Chinese, one line each: what could not be read and why


SOURCE_SUFFIXES = (".docx", ".xlsx", ".json")


def read_source(path: str | Path) -> ImportResult:
    """A draft from a Word report, an Excel annex or a draft file of any format_version. Raises
    exporters.safety.SourceError or forms.draft.DraftError with a one-line reason."""
    from exporters.read_docx import read_docx
    from exporters.read_xlsx import read_xlsx
    from exporters.safety import SourceError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return read_docx(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix == ".json":
        return ImportResult(read_draft(path))
    raise SourceError(f"{path.name}：只能导入 .docx、.xlsx 或 .nianbao.json 文件")
