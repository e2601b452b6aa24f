"""Write build/win-version.txt, the Windows version resource PyInstaller puts into nianbao.exe and
nianbaow.exe (Explorer's Properties > Details), from pyproject.toml's version. Run before PyInstaller on
Windows (the workflow does); packaging/nianbao.spec uses the file when it exists.

    python packaging/windows/make_version_file.py
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = """\
VSVersionInfo(
  ffi=FixedFileInfo(filevers={nums}, prodvers={nums}, mask=0x3f, flags=0x0, OS=0x40004, fileType=0x1,
                    subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('080404b0', [
      StringStruct('CompanyName', 'Nianbao'),
      StringStruct('FileDescription', '年报 — 政府信息公开工作年度报告'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'nianbao'),
      StringStruct('OriginalFilename', 'nianbao.exe'),
      StringStruct('ProductName', '年报'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [0x0804, 1200])])
  ]
)
"""


def main() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    parts = [int(n) for n in re.findall(r"\d+", version)[:4]]
    nums = tuple(parts + [0] * (4 - len(parts)))
    out = ROOT / "build" / "win-version.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(TEMPLATE.format(nums=nums, version=version), encoding="utf-8")
    print(f"make_version_file: {out} ({version})")


if __name__ == "__main__":
    main()
