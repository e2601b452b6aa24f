"""The export, history and settings dialogs and the print preview, driven offscreen with pytest-qt.

Chinese text goes in with setText (qtbot.keyClicks with Chinese aborts the process). Every question a
dialog would ask in a modal box is answered by an injected function.
"""

import ctypes
import errno
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import docx
import openpyxl
import pytest
from PySide6.QtGui import QTextDocument, QTextTable
from PySide6.QtWidgets import QDialog, QPushButton

from desktop_app.dialogs.export_dialog import ExportDialog, default_names
from desktop_app.dialogs.history_dialog import HistoryDialog
from desktop_app.dialogs.settings_dialog import SettingsDialog
from desktop_app.preview import PreviewDialog, render_document
from exporters import layout
from forms.checks import state_of
from forms.draft import read_draft, to_dict
from forms.settings import Settings, load_settings
from forms.store import Store, data_dir
from tests.conftest import DATA

# PySide6 6.12 (abi3 wheel) on CPython 3.11 drops one reference to None on every call of a C++ method returning
# void; None is not immortal before 3.12, so a few thousand such calls abort the process ("none_dealloc").
# Rendering a report makes tens of thousands. Until the application pins None at start-up, the tests do.
if sys.version_info < (3, 12):
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40

HUAIAN = DATA / "2024_淮安市_人民政府.nianbao.json"
HONGZE = DATA / "2023_淮安市洪泽区_人民政府.nianbao.json"
PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def huaian():
    return read_draft(HUAIAN)


@pytest.fixture
def hongze():
    return read_draft(HONGZE)


class Recorder:
    """Stands in for a message box or a file dialog: records each call, answers with `answer`."""

    def __init__(self, answer=None):
        self.calls = []
        self.answer = answer

    def __call__(self, *args):
        self.calls.append(args)
        return self.answer


def button_texts(dialog) -> set[str]:
    return {b.text() for b in dialog.findChildren(QPushButton) if not b.isHidden()}


def export_dialog(qtbot, draft, settings=None, **kwargs) -> ExportDialog:
    kwargs.setdefault("show_error", Recorder())
    kwargs.setdefault("open_folder", Recorder())
    dialog = ExportDialog(draft, settings or Settings(), **kwargs)
    qtbot.addWidget(dialog)
    return dialog


# --- Export ---------------------------------------------------------------------------------------------------


def test_export_offers_the_final_report_only_without_errors(qtbot, huaian, hongze):
    ok = export_dialog(qtbot, huaian)
    assert {"导出", "导出征求意见稿", "选择…", "关闭"} <= button_texts(ok)
    assert ok.export_button.isDefault()
    assert "没有错误" in ok.check_label.text()

    marked = export_dialog(qtbot, hongze)
    assert "导出" not in button_texts(marked) and "导出征求意见稿" in button_texts(marked)
    assert marked.export_button is None and marked.mark_button.isDefault()
    assert "还有 2 个错误" in marked.check_label.text()
    assert "打开所在文件夹" not in button_texts(marked)  # only after an export


def test_default_names_and_both_kinds_chosen(qtbot, huaian):
    dialog = export_dialog(qtbot, huaian)
    assert default_names(huaian) == {"docx": "淮安市人民政府2024年政府信息公开工作年度报告.docx",
                                     "xlsx": "淮安市人民政府2024年政府信息公开工作年度报告统计附表.xlsx"}
    assert dialog.chosen() == ["docx", "xlsx"]
    assert dialog.name_edits["docx"].text() == default_names(huaian)["docx"]
    dialog.kind_boxes["docx"].setChecked(False)
    dialog.kind_boxes["xlsx"].setChecked(False)
    assert not dialog.export_button.isEnabled() and not dialog.mark_button.isEnabled()
    assert not dialog.name_edits["docx"].isEnabled()


def test_export_both_writes_the_files_and_remembers_the_folder(qtbot, huaian, tmp_path):
    tmp_path = tmp_path / "out"  # (the test's data dir is a sibling)
    tmp_path.mkdir()
    before = to_dict(huaian)
    settings = Settings(office="淮安市人民政府办公室")
    dialog = export_dialog(qtbot, huaian, settings)
    dialog.folder_edit.setText(str(tmp_path))
    qtbot.mouseClick(dialog.export_button, qtbot_left())

    names = default_names(huaian)
    word, excel = tmp_path / names["docx"], tmp_path / names["xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([word.name, excel.name])
    text = "\n".join(p.text for p in docx.Document(word).paragraphs)
    assert "淮安市人民政府" in text and "征求意见稿" not in header_text(word)
    assert openpyxl.load_workbook(excel)["表三"]["D4"].value == 3001
    assert "已导出正式报告" in dialog.result_label.text() and word.name in dialog.result_label.text()
    assert not dialog.show_error.calls
    assert to_dict(huaian) == before  # the open draft is untouched

    assert settings.export_folder == str(tmp_path)
    assert load_settings().export_folder == str(tmp_path)
    assert load_settings().office == "淮安市人民政府办公室"
    assert not dialog.open_button.isHidden()
    qtbot.mouseClick(dialog.open_button, qtbot_left())
    assert dialog.open_folder.calls == [(str(tmp_path),)]

    again = export_dialog(qtbot, huaian, load_settings())  # the next export starts in that folder
    assert again.folder_edit.text() == str(tmp_path)


def test_draft_with_errors_is_exported_as_draft_for_comment(qtbot, hongze, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    dialog = export_dialog(qtbot, hongze)
    dialog.folder_edit.setText(str(tmp_path))
    dialog.kind_boxes["xlsx"].setChecked(False)
    qtbot.mouseClick(dialog.mark_button, qtbot_left())
    word = tmp_path / default_names(hongze)["docx"]
    assert [p.name for p in tmp_path.iterdir()] == [word.name]
    assert "征求意见稿" in header_text(word)
    assert "已导出征求意见稿" in dialog.result_label.text()
    # even when asked for the final report, a draft with errors only leaves marked
    dialog.folder_edit.setText(str(tmp_path / "again"))
    (tmp_path / "again").mkdir()
    [again] = dialog.export(draft_mark=False)
    assert "征求意见稿" in header_text(again)


def test_a_folder_that_cannot_exist_shows_a_message_and_writes_nothing(qtbot, huaian, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    before = to_dict(huaian)
    settings = Settings()
    dialog = export_dialog(qtbot, huaian, settings)
    dialog.folder_edit.setText(str(blocker / "reports"))
    assert dialog.export() == []
    [(title, message)] = dialog.show_error.calls
    assert "文件夹不存在" in message and "reports" in message
    assert "文件夹不存在" in dialog.result_label.text()
    assert [p.name for p in tmp_path.iterdir() if p.name != "nianbao-home"] == ["a-file"]
    assert to_dict(huaian) == before and settings.export_folder == ""


def test_a_failing_writer_names_the_file_and_the_reason(qtbot, huaian, tmp_path):
    def disk_full(draft, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    before = to_dict(huaian)
    settings = Settings()
    dialog = export_dialog(qtbot, huaian, settings, write_xlsx=disk_full)
    dialog.folder_edit.setText(str(tmp_path))
    dialog.kind_boxes["docx"].setChecked(False)
    assert dialog.export() == []
    [(title, message)] = dialog.show_error.calls
    assert default_names(huaian)["xlsx"] in message and "磁盘空间不足" in message
    assert "没有生成任何文件" in message
    assert list(tmp_path.glob("*.xlsx")) == [] and list(tmp_path.glob(".*")) == []
    assert dialog.open_button.isHidden()
    assert to_dict(huaian) == before and settings.export_folder == ""


def test_one_failure_does_not_hide_the_other_file(qtbot, huaian, tmp_path):
    def refused(draft, path):
        raise PermissionError(errno.EACCES, "Permission denied")

    dialog = export_dialog(qtbot, huaian, write_xlsx=refused)
    dialog.folder_edit.setText(str(tmp_path))
    written = dialog.export()
    assert [p.suffix for p in written] == [".docx"]
    [(title, message)] = dialog.show_error.calls
    assert title == "部分文件未能导出" and "没有写入权限" in message and "已导出" in message
    assert not dialog.open_button.isHidden()


def test_existing_files_are_replaced_only_when_the_clerk_agrees(qtbot, huaian, tmp_path):
    word = tmp_path / default_names(huaian)["docx"]
    word.write_bytes(b"old")
    ask = Recorder(answer=False)
    dialog = export_dialog(qtbot, huaian, ask_overwrite=ask)
    dialog.folder_edit.setText(str(tmp_path))
    assert dialog.export() == []
    assert ask.calls == [([word],)] and word.read_bytes() == b"old"
    assert not (tmp_path / default_names(huaian)["xlsx"]).exists()
    assert "不替换" in dialog.result_label.text()

    ask.answer = True
    assert len(dialog.export()) == 2
    assert word.read_bytes()[:2] == b"PK"


def test_names_are_checked_before_writing(qtbot, huaian, tmp_path):
    dialog = export_dialog(qtbot, huaian)
    dialog.folder_edit.setText(str(tmp_path))
    dialog.name_edits["docx"].setText("a/b")
    assert dialog.export() == []
    assert "不能有这些字符" in dialog.show_error.calls[-1][1]
    dialog.name_edits["docx"].setText("report")  # the suffix is added
    dialog.kind_boxes["xlsx"].setChecked(False)
    assert [p.name for p in dialog.export()] == ["report.docx"]


def test_export_is_reported_even_when_the_folder_cannot_be_remembered(qtbot, huaian, tmp_path):
    def read_only(settings):
        raise OSError(errno.EROFS, "Read-only file system")

    dialog = export_dialog(qtbot, huaian, save_settings=read_only)
    dialog.folder_edit.setText(str(tmp_path))
    assert len(dialog.export()) == 2
    assert "已导出" in dialog.result_label.text() and "未能记住此文件夹" in dialog.result_label.text()
    assert not dialog.show_error.calls


def test_choose_folder_uses_the_injected_dialog(qtbot, huaian, tmp_path):
    choose = Recorder(answer=str(tmp_path))
    dialog = export_dialog(qtbot, huaian, choose_folder=choose)
    qtbot.mouseClick(dialog.folder_button, qtbot_left())
    assert dialog.folder_edit.text() == str(tmp_path) and len(choose.calls) == 1


def test_closing_the_dialog_loses_nothing(qtbot, huaian):
    before = to_dict(huaian)
    dialog = export_dialog(qtbot, huaian)
    dialog.show()
    dialog.close()
    assert dialog.result() == QDialog.DialogCode.Rejected and to_dict(huaian) == before


def test_export_dialog_screenshot_fits(qtbot, hongze, tmp_path):
    dialog = export_dialog(qtbot, hongze)
    dialog.show()
    qtbot.waitExposed(dialog)
    image = dialog.grab()
    assert image.save(str(tmp_path / "export.png"))
    assert dialog.width() >= dialog.sizeHint().width() and dialog.height() >= dialog.sizeHint().height()
    for edit in dialog.name_edits.values():  # the full default name is visible
        assert edit.fontMetrics().horizontalAdvance(edit.text()) < edit.width()


# --- History --------------------------------------------------------------------------------------------------


@pytest.fixture
def saved_draft(huaian):
    """A store holding the 淮安 draft in three revisions: as read, a changed figure, a changed part."""
    store = Store()
    first = to_dict(huaian)
    info = store.create(first, state=state_of(huaian))
    second = dict(first, values=dict(first["values"], **{"table3.natural_person.new_received": 9999}))
    info = store.save(info.id, second, expected_rev=info.rev)
    third = dict(second, sections=dict(second["sections"], other="改过的其他事项。"))
    info = store.save(info.id, third, expected_rev=info.rev)
    yield store, info, first
    store.close()


def test_history_lists_revisions_newest_first_and_shows_what_each_holds(qtbot, saved_draft):
    store, info, _ = saved_draft
    dialog = HistoryDialog(store, info.id, info.rev, show_error=Recorder())
    qtbot.addWidget(dialog)
    revs = [dialog.list.topLevelItem(i).data(0, 256) for i in range(dialog.list.topLevelItemCount())]
    assert revs == [3, 2, 1]
    assert "（当前）" in dialog.list.topLevelItem(0).text(0)
    assert dialog.selected_rev() == 3 and not dialog.restore_button.isEnabled()
    dialog.select_rev(1)
    details = dialog.details.toPlainText()
    assert "第 1 版" in details and "淮安市人民政府" in details and "2024年" in details
    assert "已填数字：200 个" in details and "一、总体情况：2024年，我市坚持" in details
    assert dialog.restore_button.isEnabled()


def test_restore_makes_a_new_revision_with_the_old_content(qtbot, saved_draft):
    store, info, first = saved_draft
    dialog = HistoryDialog(store, info.id, info.rev, show_error=Recorder())
    qtbot.addWidget(dialog)
    dialog.select_rev(1)
    with qtbot.waitSignal(dialog.restored) as signal:
        qtbot.mouseClick(dialog.restore_button, qtbot_left())
    new = signal.args[0]
    assert new.rev == 4 and dialog.result() == QDialog.DialogCode.Accepted
    head, content = store.load(info.id)
    assert head.rev == 4 and content == store.load(info.id, 1)[1]
    assert content["values"]["table3.natural_person.new_received"] == 3001
    assert [r.rev for r in store.history(info.id)] == [4, 3, 2, 1]
    assert store.history(info.id)[0].summary == "恢复到第1版"
    assert head.state == {"errors": 0, "warnings": state_of(read_draft(HUAIAN))["warnings"]}


def test_restore_after_a_save_elsewhere_is_refused_with_a_message(qtbot, saved_draft):
    store, info, _ = saved_draft
    show_error = Recorder()
    dialog = HistoryDialog(store, info.id, info.rev - 1, show_error=show_error)  # this window is behind
    qtbot.addWidget(dialog)
    dialog.select_rev(1)
    emitted = []
    dialog.restored.connect(emitted.append)
    assert dialog.restore_selected() is False
    assert not emitted and [r.rev for r in store.history(info.id)] == [3, 2, 1]
    [(title, message)] = show_error.calls
    assert "另一个窗口" in message and "第 3 版" in message
    assert not dialog.message.isHidden()


def test_history_of_a_missing_draft_says_so(qtbot):
    store = Store()
    show_error = Recorder()
    dialog = HistoryDialog(store, 42, 1, show_error=show_error)
    qtbot.addWidget(dialog)
    assert dialog.list.topLevelItemCount() == 0 and "找不到草稿" in show_error.calls[0][1]
    store.close()


# --- Settings -------------------------------------------------------------------------------------------------


def test_settings_round_trip_through_the_dialog(qtbot):
    settings = Settings(export_folder="/somewhere", body="某某县人民政府")
    opened = Recorder()
    dialog = SettingsDialog(settings, open_folder=opened)
    qtbot.addWidget(dialog)
    assert dialog.folder_edit.text() == str(data_dir()) and dialog.folder_edit.isReadOnly()
    qtbot.mouseClick(dialog.folder_button, qtbot_left())
    assert opened.calls == [(str(data_dir()),)]
    values = {"office": "某某县人民政府办公室", "address": "某某县某某路1号", "postcode": "730000",
              "phone": "0931-1234567", "email": "gk@example.gov.cn", "preparer": "张三"}
    for key, value in values.items():
        dialog.edits[key].setText(value)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    stored = load_settings()
    assert {k: getattr(stored, k) for k in values} == values
    assert stored.export_folder == "/somewhere" and stored.body == "某某县人民政府"  # other settings kept
    assert settings.office == "某某县人民政府办公室" and settings.meta() == values

    again = SettingsDialog(stored)
    qtbot.addWidget(again)
    assert {k: e.text() for k, e in again.edits.items()} == values


def test_settings_that_cannot_be_saved_keep_the_dialog_open(qtbot):
    def read_only(settings):
        raise OSError(errno.EROFS, "Read-only file system")

    settings = Settings()
    dialog = SettingsDialog(settings, save=read_only)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.edits["office"].setText("某某县人民政府办公室")
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "磁盘是只读的" in dialog.message.text() and not dialog.message.isHidden()
    assert settings.office == "" and dialog.edits["office"].text() == "某某县人民政府办公室"


def test_settings_refuse_a_malformed_postcode(qtbot):
    saved = Recorder()
    dialog = SettingsDialog(Settings(), save=saved)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.edits["postcode"].setText("12345")
    dialog.accept()
    assert not saved.calls and "6 位数字" in dialog.message.text() and dialog.isVisible()


# --- Preview --------------------------------------------------------------------------------------------------


def tables_of(qdoc: QTextDocument) -> list[QTextTable]:
    out = []
    for frame in qdoc.rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            out.append(frame)
    return out


def test_rendered_tables_have_the_layouts_merges_and_figures(qtbot, huaian):
    doc = layout.build(huaian)
    qdoc = render_document(doc)
    blocks = [b for b in doc.blocks if isinstance(b, layout.TableBlock)]
    tables = tables_of(qdoc)
    assert len(tables) == len(blocks) == 3
    for block, table in zip(blocks, tables, strict=True):
        assert (table.rows(), table.columns()) == (block.rows, block.cols)
        for cell in block.cells:
            qcell = table.cellAt(cell.row, cell.col)
            assert (qcell.row(), qcell.column(), qcell.rowSpan(), qcell.columnSpan()) == \
                (cell.row, cell.col, cell.rowspan, cell.colspan)
            assert cell_text(qdoc, qcell) == cell.text
    table3 = tables[1]
    assert cell_text(qdoc, table3.cellAt(3, 3)) == "3001"
    plain = qdoc.toPlainText()
    assert plain.startswith("淮安市人民政府\n2024年政府信息公开工作年度报告")
    assert "（一）主动公开情况。" in plain and qdoc.pageCount() > 1
    assert not qdoc.draft_mark


def cell_text(qdoc: QTextDocument, qcell) -> str:
    cursor = qcell.firstCursorPosition()
    cursor.setPosition(qcell.lastCursorPosition().position(), cursor.MoveMode.KeepAnchor)
    return cursor.selectedText()


def test_preview_shows_the_pages_and_saves_a_pdf(qtbot, huaian, tmp_path):
    target = tmp_path / "报告.pdf"
    ask = Recorder(answer=(str(target), "PDF 文件 (*.pdf)"))
    dialog = PreviewDialog(huaian, get_save_file_name=ask, show_error=Recorder())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.view.pageCount() == dialog.document.pageCount() > 1
    assert "打印…" in button_texts(dialog) and "另存为PDF…" in button_texts(dialog)
    qtbot.mouseClick(dialog.pdf_button, qtbot_left())
    assert ask.calls[0][2].endswith("淮安市人民政府2024年政府信息公开工作年度报告.pdf")
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == dialog.document.pageCount() > 1
    assert [p.name for p in tmp_path.iterdir() if p.name != "nianbao-home"] == ["报告.pdf"]  # no temporary file
    assert "已保存" in dialog.status.text()
    if PDFTOTEXT:
        text = pdf_text(target)
        assert "淮安市人民政府" in text and "2024年政府信息公开工作年度报告" in text
        assert "征求意见稿" not in text and "—1—" in re.sub(r"\s", "", text)
    else:
        assert len(data) > 20_000


def test_preview_of_a_draft_with_errors_is_marked(qtbot, hongze, tmp_path):
    target = tmp_path / "洪泽.pdf"
    dialog = PreviewDialog(hongze, get_save_file_name=Recorder(answer=(str(target), "")), show_error=Recorder())
    qtbot.addWidget(dialog)
    assert dialog.document.draft_mark and "征求意见稿" in dialog.info.text()
    assert dialog.save_pdf_as() == str(target)
    if PDFTOTEXT:
        text = pdf_text(target)
        assert text.count("征求意见稿") == dialog.document.pageCount()  # on every page, as the Word header


def test_a_pdf_that_cannot_be_written_shows_a_message(qtbot, huaian, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    target = blocker / "报告.pdf"
    show_error = Recorder()
    dialog = PreviewDialog(huaian, get_save_file_name=Recorder(answer=(str(target), "")), show_error=show_error)
    qtbot.addWidget(dialog)
    assert dialog.save_pdf_as() is None
    [(title, message)] = show_error.calls
    assert "报告.pdf" in message and ("不是文件夹" in message or "不存在" in message)
    assert blocker.read_text() == "x"


def test_print_goes_through_the_print_dialog(qtbot, huaian, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    out = tmp_path / "printed.pdf"

    def to_pdf(printer):  # the clerk picks a printer; here, a PDF file
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    dialog = PreviewDialog(huaian, ask_print=to_pdf, show_error=Recorder())
    qtbot.addWidget(dialog)
    assert dialog.print_report() is True
    assert out.read_bytes().startswith(b"%PDF") and "已送打印机" in dialog.status.text()
    assert PreviewDialog(huaian, ask_print=lambda p: False).print_report() is False


# --- helpers --------------------------------------------------------------------------------------------------


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def header_text(path: Path) -> str:
    d = docx.Document(path)
    return "\n".join(p.text for s in d.sections for h in (s.header, s.even_page_header) for p in h.paragraphs)


# Qt's PDF maps some CJK glyphs back to the look-alike radicals (⼈ U+2F08 for 人, ⺠ U+2EA0 for 民);
# NFKC folds the Kangxi radicals, the few supplement radicals are mapped here.
_RADICALS = str.maketrans({"⺠": "民", "⻓": "长", "⻔": "门", "⻛": "风", "⻢": "马", "⻋": "车", "⻅": "见", "⻚": "页"})


def pdf_text(path: Path) -> str:
    raw = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8")
    return unicodedata.normalize("NFKC", raw).translate(_RADICALS)
