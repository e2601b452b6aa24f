"""The report as it will print: the neutral layout (exporters.layout) rendered into a QTextDocument, shown page
by page, printed on paper or saved as PDF.

Frescobaldi's lesson: the preview renders the SAME layout the Word and Excel writers render, so what the clerk
sees here is what the export holds; nothing here knows a row label, a merge or a total.

Units: the document is laid out at a fixed LAYOUT_DPI (a private 96-dpi paint device), whatever the screen
is, so lengths in millimetres and points are exact and, with the same fonts, pages break alike on every
machine. The page is A4 with the margins of GB/T 9704 (top 37, bottom 35, left 28, right 26 mm);
`print_document` paints each page onto any printer (paper, PDF, the preview widget), scaled to its
resolution, and adds what the Word file has in its header and footer: the page number (— 1 —, odd pages
right, even pages left, 7 mm below the type area) and, for a draft, 征求意见稿 at the top right.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFrameFormat,
    QTextLength,
    QTextTableCellFormat,
    QTextTableFormat,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs import file_error_reason, report_file_stem
from exporters import layout
from exporters.files import atomic_path
from forms.checks import check
from forms.draft import Draft

# --- The page (GB/T 9704-2012) ------------------------------------------------------------------------------

LAYOUT_DPI = 96
PAGE_MM = (210.0, 297.0)  # A4
MARGINS_MM = QMarginsF(28.0, 37.0, 26.0, 35.0)  # left, top, right, bottom
TYPE_AREA_MM = (PAGE_MM[0] - MARGINS_MM.left() - MARGINS_MM.right(),
                PAGE_MM[1] - MARGINS_MM.top() - MARGINS_MM.bottom())  # 156 × 225 mm
PAGE_NUMBER_GAP_MM = 7.0  # from the bottom of the type area to the page number

# The fonts of the Word writer (exporters/docx.py), official first, then what Windows, macOS and Linux have;
# Qt takes the first installed family holding each character (figures and Latin in Times New Roman, as Word).
LATIN = "Times New Roman"
TITLE_FONTS = [LATIN, "方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong", "宋体",
               "SimSun", "Songti SC", "Noto Serif CJK SC", "Source Han Serif SC", "serif"]
BODY_FONTS = [LATIN, "仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC",
              "Source Han Serif SC", "serif"]
HEI_FONTS = [LATIN, "黑体", "SimHei", "STHeiti", "Heiti SC", "Noto Sans CJK SC", "Source Han Sans SC",
             "WenQuanYi Zen Hei", "sans-serif"]
KAI_FONTS = [LATIN, "楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "Kaiti SC", "Noto Serif CJK SC",
             "Source Han Serif SC", "serif"]
SONG_FONTS = ["宋体", "SimSun", "Songti SC", "Noto Serif CJK SC", "Source Han Serif SC", "serif"]
# Typefaces that are heavy (小标宋) or distinct (楷体) by design; where none is installed, the substitute is
# set in bold so the title still reads as a title and a run-in heading still stands out from its text.
DISTINCT = {"title": ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong"),
            "kai": ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "Kaiti SC")}

TITLE_PT = 22.0  # 二号
BODY_PT = 16.0  # 三号
TABLE_PT = 10.5  # 五号
PAGE_NUMBER_PT = 14.0  # 四号
LINE_PT = 28.95  # exact line spacing: 22 lines in the 225 mm type area, as the Word file
DRAFT_MARK = "征求意见稿"
HEADER_FROM_TOP_MM = 15.0  # the draft mark, as the Word file's header distance
CELL_PADDING_MM = (0.7, 0.5)  # left/right, top/bottom (Word: 40 and 28 twips)
LEFT_ROLES = ("row", "group")  # labels read left to right; headers, units and figures are centred


def mm(value: float) -> float:
    """Millimetres in layout units."""
    return value / 25.4 * LAYOUT_DPI


def pt(value: float) -> float:
    """Points in layout units."""
    return value / 72.0 * LAYOUT_DPI


def page_layout() -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, MARGINS_MM,
                       QPageLayout.Unit.Millimeter)


def make_printer(mode: QPrinter.PrinterMode = QPrinter.PrinterMode.HighResolution) -> QPrinter:
    """A printer set to A4 with the GB/T 9704 margins. Painting starts at the paper's corner (full page):
    `print_document` places the type area itself, so a printer's own hardware margins change nothing."""
    printer = QPrinter(mode)
    printer.setPageLayout(page_layout())
    printer.setFullPage(True)
    return printer


# --- Rendering the layout -------------------------------------------------------------------------------------


class ReportDocument(QTextDocument):
    """A QTextDocument laid out at LAYOUT_DPI on one A4 type area per page. `draft_mark`: print_document
    puts 征求意见稿 at the top right of every page, as the Word file's header."""

    def __init__(self, draft_mark: bool = False, parent=None):
        super().__init__(parent)
        self.draft_mark = draft_mark
        # The layout measures fonts on this device; kept as an attribute so it lives as long as the document.
        self._device = QImage(1, 1, QImage.Format.Format_RGB32)
        dots_per_metre = round(LAYOUT_DPI / 0.0254)
        self._device.setDotsPerMeterX(dots_per_metre)
        self._device.setDotsPerMeterY(dots_per_metre)
        self.documentLayout().setPaintDevice(self._device)
        self.setDocumentMargin(0)
        self.setPageSize(QSizeF(mm(TYPE_AREA_MM[0]), mm(TYPE_AREA_MM[1])))
        self.setDefaultFont(_font(BODY_FONTS, BODY_PT))


def _installed(kind: str) -> bool:
    families = set(QFontDatabase.families())
    return any(name in families for name in DISTINCT[kind])


def _font(families: list[str], size: float, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(size)
    font.setWeight(weight)
    return font


def _char(families: list[str], size: float = BODY_PT, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setFontFamilies(families)
    fmt.setFontPointSize(size)
    fmt.setFontWeight(QFont.Weight.Bold.value if bold else QFont.Weight.Normal.value)
    return fmt


def _block(align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignJustify, *, indent_chars: float = 0.0,
           exact: bool = True, before: float = 0.0) -> QTextBlockFormat:
    """A paragraph format; `exact`: the fixed 28.95 pt line of the text (tables use single spacing)."""
    fmt = QTextBlockFormat()
    fmt.setAlignment(align)
    fmt.setTextIndent(pt(BODY_PT) * indent_chars)
    if exact:
        fmt.setLineHeight(pt(LINE_PT), QTextBlockFormat.LineHeightTypes.FixedHeight.value)
    fmt.setTopMargin(before)
    fmt.setBottomMargin(0)
    return fmt


class _Fonts:
    """The character formats of one rendering (which typefaces are installed is asked once)."""

    def __init__(self):
        self.body = _char(BODY_FONTS)
        self.title = _char(TITLE_FONTS, TITLE_PT, bold=not _installed("title"))
        self.heading = _char(HEI_FONTS)  # 黑体 is heavy by design: not bold, as in Word
        self.table = _char(BODY_FONTS, TABLE_PT)
        # the heading part of a numbered paragraph: 一、 黑体, （一） 楷体, 1. 仿宋 bold, （1） 仿宋
        self.level = {1: self.heading, 2: _char(KAI_FONTS, bold=not _installed("kai")),
                      3: _char(BODY_FONTS, bold=True), 4: self.body}


class _Writer:
    """Appends blocks to a document; the document's first (empty) block is used for the first paragraph."""

    def __init__(self, qdoc: QTextDocument):
        self.cursor = QTextCursor(qdoc)
        self.first = True
        self.after_table = False
        self.fonts = _Fonts()

    def paragraph(self, runs: list[tuple[str, QTextCharFormat]], fmt: QTextBlockFormat) -> None:
        if self.after_table:  # a little air under a table's last rule, as in Word
            fmt.setTopMargin(max(fmt.topMargin(), pt(LINE_PT) / 2))
            self.after_table = False
        if self.first:
            self.cursor.setBlockFormat(fmt)
            self.first = False
        else:
            self.cursor.insertBlock(fmt)
        for text, char_fmt in runs:
            self.cursor.setCharFormat(char_fmt)  # an empty block still gets the font (its line height)
            if text:
                self.cursor.insertText(text, char_fmt)

    def table(self, block: layout.TableBlock) -> None:
        if self.first:  # a table cannot be the very first thing: keep an empty paragraph before it
            self.paragraph([("", self.fonts.body)], _block())
        cursor = self.cursor
        black = QBrush(QColor("black"))
        fmt = QTextTableFormat()
        fmt.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
        total = sum(block.col_widths) or 1.0
        fmt.setColumnWidthConstraints([QTextLength(QTextLength.Type.PercentageLength, 100.0 * w / total)
                                       for w in block.col_widths])
        fmt.setBorder(pt(0.5))
        fmt.setBorderBrush(black)
        fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
        fmt.setBorderCollapse(True)
        fmt.setCellSpacing(0)
        # Header rows are NOT repeated on the next page (Word does repeat them): Qt 6.12 draws a cell that spans
        # rows across the page break over the repeated header (table 三's 本年度办理结果 column).
        fmt.setHeaderRowCount(0)
        fmt.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        fmt.setTopMargin(0)
        fmt.setBottomMargin(0)
        table = cursor.insertTable(block.rows, block.cols, fmt)
        for cell in block.cells:
            if cell.rowspan > 1 or cell.colspan > 1:
                table.mergeCells(cell.row, cell.col, cell.rowspan, cell.colspan)
        side, top = (mm(v) for v in CELL_PADDING_MM)
        for cell in block.cells:
            qcell = table.cellAt(cell.row, cell.col)
            cell_fmt = QTextTableCellFormat()
            cell_fmt.setVerticalAlignment(QTextCharFormat.VerticalAlignment.AlignMiddle)
            cell_fmt.setBorder(pt(0.5))  # collapsed borders: each cell draws its own
            cell_fmt.setBorderBrush(black)
            cell_fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
            cell_fmt.setLeftPadding(side)
            cell_fmt.setRightPadding(side)
            cell_fmt.setTopPadding(top)
            cell_fmt.setBottomPadding(top)
            qcell.setFormat(cell_fmt)
            c = qcell.firstCursorPosition()
            left = cell.role in LEFT_ROLES and not cell.is_header
            c.setBlockFormat(_block(Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignHCenter,
                                    exact=False))
            if cell.text:  # a blank cell stays empty, never "0"
                c.insertText(cell.text, self.fonts.table)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self.after_table = True


def _paragraph_runs(p: layout.Paragraph, fonts: _Fonts) -> list[tuple[str, QTextCharFormat]]:
    """As the Word writer: 一、 lines are headings; a run-in heading in its level's font, then body text; a
    numbered line without text after it wholly in its level's font."""
    if p.level == 0:
        return [(p.text, fonts.body)]
    if p.level > 1 and p.lead and p.text.startswith(p.lead):
        return [(p.lead, fonts.level[p.level]), (p.text[len(p.lead):], fonts.body)]
    return [(p.text, fonts.level[p.level])]


def render_document(doc: layout.Document) -> ReportDocument:
    """The layout as a paginated QTextDocument: what the preview shows, the printer prints and the PDF holds,
    set as the Word writer sets it (fonts, sizes, exact 28.95 pt lines, indents, table rules)."""
    qdoc = ReportDocument(doc.draft_mark)
    qdoc.setUndoRedoEnabled(False)
    w = _Writer(qdoc)
    fonts = w.fonts
    w.cursor.beginEditBlock()  # lay the document out once, at the end, not after every cell
    for i, line in enumerate(doc.title_lines):
        fmt = _block(Qt.AlignmentFlag.AlignHCenter, before=pt(LINE_PT) * 2 if i == 0 else 0.0)
        if i == len(doc.title_lines) - 1:
            fmt.setBottomMargin(pt(LINE_PT))  # one blank line before the text
        w.paragraph([(line, fonts.title)], fmt)
    for block in doc.blocks:
        if isinstance(block, layout.Heading):
            w.paragraph([(block.text, fonts.heading)], _block(indent_chars=2))
        elif isinstance(block, layout.Paragraph):
            w.paragraph(_paragraph_runs(block, fonts), _block(indent_chars=2))
        elif isinstance(block, layout.TableBlock):
            w.table(block)
        elif isinstance(block, layout.Closing):
            for i, line in enumerate(block.lines):
                fmt = _block(Qt.AlignmentFlag.AlignRight, before=pt(LINE_PT) if i == 0 else 0.0)
                fmt.setRightMargin(pt(BODY_PT) * 4)  # 右空四字 (GB/T 9704 7.3.5)
                w.paragraph([(line, fonts.body)], fmt)
    w.cursor.endEditBlock()
    return qdoc


# --- Painting pages -------------------------------------------------------------------------------------------


def print_document(qdoc: ReportDocument, printer: QPrinter) -> int:
    """Paint every page of `qdoc` on `printer` (paper, PDF or the preview widget); returns the page count.
    Raises OSError when the printer cannot be opened (e.g. a PDF in a folder that cannot be written)."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("打印机或输出文件无法打开")
    try:
        return _paint_pages(qdoc, printer, painter)
    finally:
        painter.end()


def _paint_pages(qdoc: ReportDocument, printer: QPrinter, painter: QPainter) -> int:
    res = printer.resolution()
    page = printer.pageLayout()
    margins = page.marginsPixels(res)
    # With full-page painting the origin is the paper's corner; otherwise the printable area's.
    offset = (margins.left(), margins.top()) if printer.fullPage() else (0, 0)
    scale = res / LAYOUT_DPI
    size = qdoc.pageSize()
    count = qdoc.pageCount()
    # The painter is scaled to layout units, so a font's size is given for LAYOUT_DPI, not the printer's.
    device_scale = LAYOUT_DPI / printer.logicalDpiY()
    number_font = _font(SONG_FONTS, PAGE_NUMBER_PT * device_scale)
    mark_font = _font(HEI_FONTS, BODY_PT * device_scale)
    for i in range(count):
        if i:
            printer.newPage()
        painter.save()
        painter.translate(*offset)
        painter.scale(scale, scale)
        painter.save()
        painter.translate(0, -i * size.height())
        qdoc.drawContents(painter, QRectF(0, i * size.height(), size.width(), size.height()))
        painter.restore()
        painter.setPen(QColor("black"))
        # — 1 —: odd pages right, even pages left, one character in from the type area's edge.
        painter.setFont(number_font)
        em = pt(PAGE_NUMBER_PT)
        box = QRectF(em, size.height() + mm(PAGE_NUMBER_GAP_MM), size.width() - 2 * em, em * 1.5)
        align = Qt.AlignmentFlag.AlignRight if i % 2 == 0 else Qt.AlignmentFlag.AlignLeft
        painter.drawText(box, int(align | Qt.AlignmentFlag.AlignTop), f"— {i + 1} —")
        if qdoc.draft_mark:  # 征求意见稿 at the top right of every page, as the Word file's header
            painter.setFont(mark_font)
            top = mm(HEADER_FROM_TOP_MM - MARGINS_MM.top())
            painter.drawText(QRectF(0, top, size.width(), pt(BODY_PT) * 1.5),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), DRAFT_MARK)
        painter.restore()
    return count


def save_pdf(qdoc: ReportDocument, path: str | os.PathLike) -> int:
    """Write the document as a PDF, whole or not at all (a temporary file in the same folder, then replaced);
    returns the page count. Raises OSError with the reason."""
    path = Path(path)
    with atomic_path(path) as tmp:
        printer = make_printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp))
        printer.setDocName(path.stem)
        printer.setCreator("年报")
        pages = print_document(qdoc, printer)
        del printer  # closes the file
        with open(tmp, "rb") as fh:
            if fh.read(5) != b"%PDF-":
                raise OSError("生成的 PDF 不完整（磁盘可能已满）")
    return pages


# --- The dialog -------------------------------------------------------------------------------------------------


class PreviewDialog(QDialog):
    """The report page by page as it will print, with 打印… and 另存为PDF….

    `draft_mark`: None (default) marks the pages 征求意见稿 when the draft still has errors, as the export does.
    Injectable for tests: `get_save_file_name` (QFileDialog.getSaveFileName's signature), `ask_print(printer)
    -> bool` (the print dialog) and `show_error(title, text)`.
    """

    def __init__(self, draft: Draft, parent: QWidget | None = None, *, draft_mark: bool | None = None,
                 folder: str = "", get_save_file_name: Callable | None = None,
                 ask_print: Callable[[QPrinter], bool] | None = None,
                 show_error: Callable[[str, str], None] | None = None):
        super().__init__(parent)
        if draft_mark is None:
            draft_mark = any(p.severity == "error" for p in check(draft))
        self.draft = draft
        self.folder = folder
        self.setWindowTitle(f"打印预览 — {draft.body} {draft.year}年")
        self.document = render_document(layout.build(draft, draft_mark=draft_mark))
        self.get_save_file_name = get_save_file_name or QFileDialog.getSaveFileName
        self.ask_print = ask_print or self._ask_print
        self.show_error = show_error or (lambda title, text: QMessageBox.warning(self, title, text))

        self.printer = make_printer()
        self.view = QPrintPreviewWidget(self.printer, self)
        self.view.paintRequested.connect(self._paint)
        self.view.setViewMode(QPrintPreviewWidget.ViewMode.SinglePageView)
        self.view.fitToWidth()

        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("打印纸质报告（用于签发、盖章）")
        self.print_button.clicked.connect(self.print_report)
        self.pdf_button = QPushButton("另存为PDF…")
        self.pdf_button.clicked.connect(self.save_pdf_as)
        self.zoom_in = QPushButton("放大")
        self.zoom_in.clicked.connect(lambda: self.view.zoomIn())
        self.zoom_out = QPushButton("缩小")
        self.zoom_out.clicked.connect(lambda: self.view.zoomOut())
        self.fit_button = QPushButton("适合宽度")
        self.fit_button.clicked.connect(lambda: self.view.fitToWidth())
        self.close_button = QPushButton("关闭")
        self.close_button.clicked.connect(self.reject)
        for b in (self.zoom_in, self.zoom_out, self.fit_button, self.print_button, self.pdf_button):
            b.setAutoDefault(False)  # Enter closes, it never prints
        self.close_button.setDefault(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        pages = self.document.pageCount()
        note = "（各页标注“征求意见稿”：草稿还有错误）" if draft_mark else ""
        self.info = QLabel(f"共 {pages} 页，A4 纸，页边距按党政机关公文格式（GB/T 9704）。{note}")

        bar = QHBoxLayout()
        for b in (self.zoom_out, self.zoom_in, self.fit_button):
            bar.addWidget(b)
        bar.addWidget(self.info, 1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.pdf_button)
        bar.addWidget(self.close_button)
        box = QVBoxLayout(self)
        box.addWidget(self.view, 1)
        box.addWidget(self.status)
        box.addLayout(bar)
        self.resize(1000, 700)

    def _paint(self, printer: QPrinter) -> None:
        try:
            print_document(self.document, printer)
        except OSError as exc:
            self.status.setText(f"无法显示预览：{file_error_reason(exc)}")

    def _ask_print(self, printer: QPrinter) -> bool:
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印报告")
        return dialog.exec() == QDialog.DialogCode.Accepted

    def print_report(self) -> bool:
        printer = make_printer()
        if not self.ask_print(printer):
            return False
        try:
            pages = print_document(self.document, printer)
        except OSError as exc:
            self._fail("无法打印", f"无法打印：{file_error_reason(exc)}。请检查打印机是否已连接、已开机。")
            return False
        self.status.setText(f"已送打印机（{pages} 页）。")
        return True

    def save_pdf_as(self) -> str | None:
        """Ask where, write the PDF; returns the path written or None."""
        start = str(Path(self.folder or Path.home()) / f"{report_file_stem(self.draft)}.pdf")
        path, _ = self.get_save_file_name(self, "另存为PDF", start, "PDF 文件 (*.pdf)")
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        name = Path(path).name
        try:
            pages = save_pdf(self.document, path)
        except OSError as exc:
            self._fail("无法保存PDF", f"无法保存“{name}”：{file_error_reason(exc)}。\n位置：{Path(path).parent}")
            return None
        self.folder = str(Path(path).parent)
        self.status.setText(f"已保存“{name}”（{pages} 页）。")
        self.status.setStyleSheet("")
        return path

    def _fail(self, title: str, text: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020")
        self.show_error(title, text)
