"""Draw Nianbao's icon once and write it as SVG, PNG (256x256, plus the hicolor sizes) and Windows ICO.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py

The icon: a red rounded square, a white report sheet with the character 年 in red at its top and a
table grid with two gold bars below. The glyph is turned into an outline path here (from whatever CJK font the
build machine has), so neither the SVG nor the PNG depends on a font on the clerk's machine. The outputs
are committed under resources/icons/; run this again only to change the drawing.
"""

from __future__ import annotations

import io
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import (  # noqa: E402
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
)

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZE = 256
RED = "#c62828"
DARK_RED = "#8e0000"
GOLD = "#ffc107"
GRID = "#b0bec5"
SHEET = "#ffffff"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)  # hicolor theme sizes shipped in the .deb
ICO_SIZES = (16, 24, 32, 48, 64, 256)

# Geometry on a 256 grid, shared by the SVG and the QPainter drawing.
BACKGROUND = QRectF(8, 8, 240, 240)
BACKGROUND_RADIUS = 44
SHEET_RECT = QRectF(52, 36, 152, 188)
SHEET_RADIUS = 10
GLYPH_BOX = QRectF(52, 36, 152, 94)  # the glyph is centred in the sheet's top part
GRID_LEFT, GRID_RIGHT = 70.0, 186.0
GRID_ROWS = (136.0, 160.0, 184.0, 208.0)
GRID_COLS = (110.0, 148.0)
BARS = ((GRID_COLS[0] + 6, 172.0), (GRID_COLS[1] + 6, 148.0))  # (x, top): two gold bars in the grid
BAR_WIDTH, BAR_BOTTOM = 26.0, 208.0


def glyph_path() -> QPainterPath:
    """The outline of 年, centred in the sheet's top part."""
    families = [f for f in ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC")
                if f in QFontDatabase.families()]
    if not families:
        sys.exit("make_icon: no CJK font found (apt-get install fonts-noto-cjk)")
    font = QFont(families[0])
    font.setPixelSize(78)
    font.setWeight(QFont.Weight.Black)
    path = QPainterPath()
    path.addText(QPointF(0, 0), font, "年")
    box = path.boundingRect()
    centre = GLYPH_BOX.center()
    return path.translated(centre.x() - box.center().x(), centre.y() - box.center().y())


def svg_path_data(path: QPainterPath) -> str:
    """QPainterPath -> SVG path data (M/L/C/Z), coordinates rounded to 0.01."""
    out: list[str] = []
    i, n = 0, path.elementCount()
    start = None
    while i < n:
        e = path.elementAt(i)
        if e.type == QPainterPath.ElementType.MoveToElement:
            if start is not None:
                out.append("Z")
            out.append(f"M{e.x:.2f} {e.y:.2f}")
            start = (e.x, e.y)
            i += 1
        elif e.type == QPainterPath.ElementType.LineToElement:
            out.append(f"L{e.x:.2f} {e.y:.2f}")
            i += 1
        else:  # CurveToElement followed by two CurveToDataElements
            c2, end = path.elementAt(i + 1), path.elementAt(i + 2)
            out.append(f"C{e.x:.2f} {e.y:.2f} {c2.x:.2f} {c2.y:.2f} {end.x:.2f} {end.y:.2f}")
            i += 3
    if start is not None:
        out.append("Z")
    return " ".join(out)


def paint(p: QPainter, glyph: QPainterPath) -> None:
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(RED))
    p.drawRoundedRect(BACKGROUND, BACKGROUND_RADIUS, BACKGROUND_RADIUS)
    p.setBrush(QColor(DARK_RED))  # a soft shadow under the sheet
    p.drawRoundedRect(SHEET_RECT.translated(0, 6), SHEET_RADIUS, SHEET_RADIUS)
    p.setBrush(QColor(SHEET))
    p.drawRoundedRect(SHEET_RECT, SHEET_RADIUS, SHEET_RADIUS)
    p.setBrush(QColor(GOLD))
    for x, top in BARS:
        p.drawRect(QRectF(x, top, BAR_WIDTH, BAR_BOTTOM - top))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor(GRID), 3))
    for y in GRID_ROWS:
        p.drawLine(QPointF(GRID_LEFT, y), QPointF(GRID_RIGHT, y))
    for x in GRID_COLS:
        p.drawLine(QPointF(x, GRID_ROWS[0]), QPointF(x, GRID_ROWS[-1]))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(QColor(RED)))
    p.drawPath(glyph)


def svg(glyph: QPainterPath) -> str:
    def rect(r: QRectF, fill: str, radius: float = 0) -> str:
        rr = f' rx="{radius:g}"' if radius else ""
        return (f'  <rect x="{r.x():g}" y="{r.y():g}" width="{r.width():g}" height="{r.height():g}"{rr}'
                f' fill="{fill}"/>')

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">',
        "  <title>年报</title>",
        rect(BACKGROUND, RED, BACKGROUND_RADIUS),
        rect(SHEET_RECT.translated(0, 6), DARK_RED, SHEET_RADIUS),
        rect(SHEET_RECT, SHEET, SHEET_RADIUS),
    ]
    lines += [rect(QRectF(x, top, BAR_WIDTH, BAR_BOTTOM - top), GOLD) for x, top in BARS]
    grid = [f"M{GRID_LEFT:g} {y:g}H{GRID_RIGHT:g}" for y in GRID_ROWS]
    grid += [f"M{x:g} {GRID_ROWS[0]:g}V{GRID_ROWS[-1]:g}" for x in GRID_COLS]
    lines.append(f'  <path d="{" ".join(grid)}" stroke="{GRID}" stroke-width="3" fill="none"/>')
    lines.append(f'  <path d="{svg_path_data(glyph)}" fill="{RED}" fill-rule="nonzero"/>')
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def render(glyph: QPainterPath, size: int) -> QImage:
    big = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    big.fill(Qt.GlobalColor.transparent)
    p = QPainter(big)
    paint(p, glyph)
    p.end()
    if size == SIZE:
        return big
    return big.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data)


def ico(images: list[QImage]) -> bytes:
    """A Windows .ico holding PNG-compressed images (read by Windows Vista and later)."""
    blobs = [png_bytes(im) for im in images]
    head = io.BytesIO()
    head.write(struct.pack("<HHH", 0, 1, len(blobs)))
    offset = 6 + 16 * len(blobs)
    for im, blob in zip(images, blobs, strict=True):
        w = im.width() if im.width() < 256 else 0  # 0 means 256
        h = im.height() if im.height() < 256 else 0
        head.write(struct.pack("<BBBBHHII", w, h, 0, 0, 1, 32, len(blob), offset))
        offset += len(blob)
    return head.getvalue() + b"".join(blobs)


def main() -> None:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    glyph = glyph_path()
    (OUT / "nianbao.svg").write_text(svg(glyph), encoding="utf-8")
    for size in PNG_SIZES:
        name = "nianbao.png" if size == SIZE else f"nianbao-{size}.png"
        render(glyph, size).save(str(OUT / name), "PNG")
    (OUT / "nianbao.ico").write_bytes(ico([render(glyph, s) for s in ICO_SIZES]))
    print(f"make_icon: wrote {OUT}/nianbao.svg, nianbao.png (256), nianbao-N.png, nianbao.ico")


if __name__ == "__main__":
    main()
