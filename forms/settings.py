"""The clerk's settings: declared once with their defaults (Picard's typed options), kept as JSON in the data
dir and written atomically. A missing or broken file gives the defaults; it never stops the program."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from forms.draft import write_text_atomic
from forms.store import data_dir

FILE_NAME = "settings.json"
META_FIELDS = ("office", "address", "postcode", "phone", "email", "preparer")


@dataclass
class Settings:
    # the office's details, offered for every new report (draft meta)
    office: str = ""
    address: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    preparer: str = ""
    body: str = ""  # the body last used for a new report
    body_type: str = "部门"  # 部门 | 县级以上人民政府 | 乡镇街道
    export_folder: str = ""  # where the export dialog last wrote

    def meta(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in META_FIELDS if getattr(self, k)}


def settings_path() -> Path:
    return data_dir() / FILE_NAME


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: str(v) for k, v in data.items() if k in known and isinstance(v, str | int)})


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Raises OSError when the data dir cannot be written; the caller tells the clerk."""
    write_text_atomic(path or settings_path(), json.dumps(asdict(settings), ensure_ascii=False, indent=2))
