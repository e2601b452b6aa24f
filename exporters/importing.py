"""What every reader returns: the draft it made, and what it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field

from forms.draft import Draft


@dataclass
class ImportResult:
    draft: Draft
    unread: list[str] = field(default_factory=list)  # in Chinese, one line each: what could not be read and why
