"""Build the .deb for Kylin / UOS / Debian from the PyInstaller bundle (`make deb`, after `make dist`).

    .venv/bin/python packaging/build_deb.py [--version V] [--dist dist/nianbao] [--out dist] [--compression xz]

Plain `dpkg-deb --build` of a staged tree, no debhelper:

    /opt/nianbao/                          the bundle (dist/nianbao)
    /usr/bin/nianbao                       -> ../../opt/nianbao/nianbao (relative symlink)
    /usr/share/applications/nianbao.desktop
    /usr/share/mime/packages/nianbao.xml   *.nianbao.json -> application/x-nianbao-draft
    /usr/share/icons/hicolor/NxN/apps/nianbao.png, scalable/apps/nianbao.svg
    /usr/share/doc/nianbao/copyright

The version comes from pyproject.toml. Depends is computed like dpkg-shlibdeps would: every library a
bundled binary needs and the bundle does not carry is looked up on the build machine (`ldd`, then
`dpkg -S`), and libc6 gets the highest GLIBC_x.y symbol version any bundled binary asks for, so dpkg refuses
the package on a system whose C library is too old instead of the program failing to start. The package
never touches users' home folders: drafts live in ~/.local/share/nianbao and survive install, upgrade and
removal.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "debian"
ICONS = ROOT / "resources" / "icons"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)

# Packages named in Recommends rather than Depends: the program runs without them (no printing without
# CUPS; Chinese text needs some CJK font, which every Kylin/UOS desktop has).
RECOMMENDED = {"libcups2"}
RECOMMENDS_EXTRA = ["fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei"]
GLIBC_SONAMES = re.compile(r"^(libc|libm|libdl|libpthread|librt|libutil|libresolv|ld-linux.*)\.so")

COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: nianbao
Comment: A self-contained build made with PyInstaller. Besides Nianbao itself, /opt/nianbao/_internal holds
 the Python interpreter (PSF license), Qt 6 and PySide6 (LGPL-3.0; shared libraries under
 /opt/nianbao/_internal/PySide6, replaceable), ICU (Unicode license), python-docx and openpyxl (MIT),
 lxml (BSD), OpenCC (Apache-2.0), platformdirs (MIT), defusedxml (PSF), SQLite (public domain).

Files: *
Copyright: Nianbao developers
License: see the project repository
"""


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def run(cmd: list[str], **kw) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(tree: Path) -> list[Path]:
    return [p for p in sorted(tree.rglob("*")) if p.is_file() and not p.is_symlink() and is_elf(p)]


def needed(path: Path) -> list[str]:
    return re.findall(r"^\s*NEEDED\s+(\S+)", run(["objdump", "-p", str(path)]), re.M)


def glibc_floor(files: list[Path]) -> str:
    """The highest GLIBC_x.y version any of the files asks for."""
    best = (2, 0)
    for path in files:
        for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", run(["objdump", "-T", str(path)])):
            best = max(best, (int(major), int(minor)))
    return f"{best[0]}.{best[1]}"


def system_library_paths(files: list[Path]) -> dict[str, str]:
    """soname -> path of the machine's library, as the dynamic linker resolves it for these files."""
    paths: dict[str, str] = {}
    for path in files:
        res = subprocess.run(["ldd", str(path)], capture_output=True, text=True)
        for m in re.finditer(r"^\s*(\S+)\s+=>\s+(/\S+)", res.stdout, re.M):
            paths.setdefault(m.group(1), m.group(2))
    return paths


def owning_package(path: str) -> str | None:
    candidates = [path, os.path.realpath(path)]
    for c in list(candidates):  # merged /usr: dpkg may know the file under /lib or under /usr/lib
        candidates.append(c[4:] if c.startswith("/usr/lib/") else "/usr" + c if c.startswith("/lib") else c)
    for c in dict.fromkeys(candidates):
        res = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
        if res.returncode == 0:
            pkg = res.stdout.split(":", 1)[0].split(",")[0].strip()
            return pkg
    return None


def dependencies(tree: Path) -> tuple[list[str], list[str], str]:
    """(Depends, Recommends, glibc floor) for the bundle in `tree`."""
    files = elf_files(tree)
    carried = {p.name for p in tree.rglob("*")}
    missing = sorted({lib for f in files for lib in needed(f)} - carried)
    floor = glibc_floor(files)
    libpaths = system_library_paths(files)
    packages: set[str] = set()
    unresolved = []
    for soname in missing:
        if GLIBC_SONAMES.match(soname):
            continue
        path = libpaths.get(soname)
        pkg = owning_package(path) if path else None
        if pkg is None:
            unresolved.append(soname)
        else:
            packages.add(pkg)
    if unresolved:
        sys.exit(f"build_deb: cannot tell which Debian package provides {', '.join(unresolved)} "
                 "(install them on the build machine: they are needed by the bundle)")
    depends = [f"libc6 (>= {floor})"] + sorted(packages - RECOMMENDED - {"libc6"})
    recommends = sorted(packages & RECOMMENDED) + RECOMMENDS_EXTRA
    return depends, recommends, floor


def install(src: Path, dest: Path, mode: int = 0o644) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    dest.chmod(mode)


def stage(dist: Path, staging: Path) -> None:
    if staging.exists():
        shutil.rmtree(staging)
    opt = staging / "opt" / "nianbao"
    shutil.copytree(dist, opt, symlinks=True)
    for d in [opt, *[p for p in opt.rglob("*") if p.is_dir() and not p.is_symlink()]]:
        d.chmod(0o755)
    for f in opt.rglob("*"):
        if f.is_file() and not f.is_symlink():
            f.chmod(0o755 if is_elf(f) else 0o644)
    (opt / "nianbao").chmod(0o755)
    bin_dir = staging / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "nianbao").symlink_to("../../opt/nianbao/nianbao")
    share = staging / "usr" / "share"
    install(HERE / "nianbao.desktop", share / "applications" / "nianbao.desktop")
    install(HERE / "nianbao-mime.xml", share / "mime" / "packages" / "nianbao.xml")
    for size in ICON_SIZES:
        name = "nianbao.png" if size == 256 else f"nianbao-{size}.png"
        install(ICONS / name, share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "nianbao.png")
    install(ICONS / "nianbao.svg", share / "icons" / "hicolor" / "scalable" / "apps" / "nianbao.svg")
    doc = share / "doc" / "nianbao"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    for d in [staging, *[p for p in staging.rglob("*") if p.is_dir() and not p.is_symlink()]]:
        d.chmod(0o755)


def installed_size_kib(staging: Path) -> int:
    total = 0
    for p in staging.rglob("*"):
        if "DEBIAN" in p.relative_to(staging).parts:
            continue
        total += 1 if p.is_symlink() or p.is_dir() else (p.stat().st_size + 1023) // 1024
    return total


def control(staging: Path, version: str, arch: str, depends: list[str], recommends: list[str]) -> str:
    meta = project()
    urls = meta.get("urls", {})
    text = (HERE / "control.in").read_text(encoding="utf-8")
    fields = {
        "@VERSION@": version,
        "@ARCH@": arch,
        "@MAINTAINER@": os.environ.get("NIANBAO_MAINTAINER", "Nianbao developers <nianbao@localhost>"),
        "@INSTALLED_SIZE@": str(installed_size_kib(staging)),
        "@DEPENDS@": ", ".join(depends),
        "@RECOMMENDS@": ", ".join(recommends),
        "@HOMEPAGE@": urls.get("Homepage", ""),
    }
    for key, value in fields.items():
        text = text.replace(key, value)
    return "".join(line for line in text.splitlines(keepends=True) if not re.match(r"^[A-Za-z-]+: *$", line))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", help="package version (default: pyproject.toml's)")
    ap.add_argument("--dist", type=Path, default=ROOT / "dist" / "nianbao", help="the PyInstaller bundle")
    ap.add_argument("--out", type=Path, default=ROOT / "dist", help="folder for the .deb")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "deb", help="staging folder")
    ap.add_argument("--compression", default="xz", choices=["xz", "gzip", "zstd", "none"],
                    help="dpkg-deb compression (xz reads everywhere, including older Kylin/UOS dpkg)")
    args = ap.parse_args(argv)

    if not (args.dist / "nianbao").is_file():
        sys.exit(f"build_deb: no bundle at {args.dist} (run `make dist` first)")
    version = args.version or project()["version"]
    arch = run(["dpkg", "--print-architecture"]).strip()
    staging = args.work / f"nianbao_{version}_{arch}"
    stage(args.dist, staging)
    depends, recommends, floor = dependencies(staging / "opt" / "nianbao")

    debian = staging / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(control(staging, version, arch, depends, recommends), encoding="utf-8")
    for script in ("postinst", "prerm", "postrm"):
        install(HERE / script, debian / script, 0o755)

    args.out.mkdir(parents=True, exist_ok=True)
    deb = args.out / f"nianbao_{version}_{arch}.deb"
    run(["dpkg-deb", "--root-owner-group", f"-Z{args.compression}", "--build", str(staging), str(deb)])
    size_mb = deb.stat().st_size / 1e6
    print(f"build_deb: {deb} ({size_mb:.1f} MB; needs glibc >= {floor})")
    print(f"build_deb: Depends: {', '.join(depends)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
