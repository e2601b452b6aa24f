"""The main window: the drafts library, and the open report with its banner, toolbar and editor.

It owns the application's flow (open, new, import, export, close) and nothing of the domain: totals,
checks, labels and layouts come from forms/ and exporters/, editing from the report page and the session.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs.new_report_dialog import NewReportDialog
from desktop_app.pages.library_page import LibraryPage
from desktop_app.prompts import Prompts
from desktop_app.session import DraftSession
from forms import locks
from forms.checks import state_of
from forms.deadlines import deadline_text
from forms.draft import DraftError, new_draft, template_for_year, to_dict, write_draft
from forms.settings import Settings, load_settings, save_settings
from forms.store import Store, StoreError

TITLE = "年报 — 政府信息公开工作年度报告"
BANNER_STYLES = {
    "info": "background: #e8f1fb; color: #0b3d6e; padding: 6px;",
    "warning": "background: #fff4ce; color: #5c4400; padding: 6px;",
    "error": "background: #fde7e9; color: #8a0010; padding: 6px;",
}


class ReportView(QWidget):
    """The open report: a banner for what the clerk must know, a toolbar, and the editor."""

    def __init__(self, session: DraftSession, prompts: Prompts, parent=None):
        super().__init__(parent)
        from desktop_app.pages.report_page import ReportPage

        self.session = session
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.page = ReportPage(session, prompts)
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        bar.addStretch(1)
        for key, text in (("library", "返回草稿库"), ("preview", "预览…"), ("export", "导出…"), ("history", "历史版本…")):
            self.buttons[key] = QPushButton(text)
            bar.addWidget(self.buttons[key])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(self.page, 1)

    def show_banner(self, text: str, kind: str = "info") -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet(BANNER_STYLES[kind])
        self.banner.show()


class MainWindow(QMainWindow):
    def __init__(self, store: Store, settings: Settings | None = None, prompts: Prompts | None = None):
        super().__init__()
        self.setWindowTitle(TITLE)
        self.store = store
        self.settings = settings or load_settings()
        self.prompts = prompts or Prompts(self)
        self.session: DraftSession | None = None
        self.lock: locks.DraftLock | None = None
        self.view: ReportView | None = None

        self.stack = QStackedWidget()
        self.library = LibraryPage(store)
        self.library.open_requested.connect(self.open_draft)
        self.library.action_requested.connect(self._library_action)
        self.stack.addWidget(self.library)
        self.setCentralWidget(self.stack)
        self.save_label = QLabel()
        self.statusBar().addPermanentWidget(self.save_label)
        self._build_menus()
        self.resize(1366, 768)
        if store.recovered_from:
            self.statusBar().showMessage(f"原草稿库文件已损坏，已移到 {store.recovered_from} 保留，并新建了草稿库。")

    # --- menus -----------------------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("文件(&F)")
        for text, slot, key in (("新建报告…", lambda: self._library_action("new"), QKeySequence.New),
                                ("导入…", lambda: self._library_action("import"), None),
                                ("汇总各单位报告…", lambda: self._library_action("aggregate"), None),
                                ("草稿库", self.show_library, None),
                                ("设置…", lambda: self._library_action("settings"), None),
                                ("退出", self.close, QKeySequence.Quit)):
            action = QAction(text, self)
            action.triggered.connect(slot)
            if key:
                action.setShortcut(key)
            file_menu.addAction(action)
        self.edit_menu = self.menuBar().addMenu("编辑(&E)")

    # --- the library ---------------------------------------------------------------------------------------

    def show_library(self) -> None:
        if not self.close_report():
            return
        self.library.refresh()
        self.stack.setCurrentWidget(self.library)

    def _library_action(self, key: str) -> None:
        handlers = {"new": self.new_report, "import": self.import_file, "export_file": self.export_draft_file,
                    "duplicate": self.duplicate, "delete": self.delete, "restore": self.restore,
                    "settings": self.edit_settings, "from_last": self.new_from_last,
                    "aggregate": self.aggregate_reports}
        try:
            handlers[key]()
        except StoreError as exc:
            self.prompts.warn("草稿库", str(exc))
        self.library.refresh()

    def new_report(self) -> int | None:
        dialog = NewReportDialog(self.settings.body, self.settings.body_type, parent=self)
        if not self.prompts.run_dialog(dialog) or not self._no_second_report(dialog.body, dialog.year):
            return None
        draft = new_draft(template_for_year(dialog.year), dialog.body, dialog.year, self.settings.meta())
        return self._create_and_open(draft, dialog, "新建", [])

    def new_from_last(self) -> int | None:
        """A new report started from last year's: the draft selected in the library, or a file."""
        from exporters.importing import read_source
        from exporters.safety import SourceError
        from forms.carryover import start_from
        from forms.draft import from_dict

        draft_id = self.library.selected_id()
        try:
            if draft_id is not None:
                previous = from_dict(self.store.load(draft_id)[1])
            else:
                path = self.prompts.open_file("选择上年的报告", "年度报告 (*.docx *.xlsx *.nianbao.json *.json)")
                if not path:
                    return None
                previous = read_source(path).draft
        except (SourceError, DraftError) as exc:
            self.prompts.warn("无法读取上年报告", str(exc))
            return None
        dialog = NewReportDialog(previous.body, previous.extra.get("body_type", self.settings.body_type),
                                 previous.year + 1, parent=self,
                                 title=f"以上年报告为基础新建（上年：{previous.body} {previous.year}年）")
        if not self.prompts.run_dialog(dialog) or not self._no_second_report(dialog.body, dialog.year):
            return None
        carried = start_from(previous, body=dialog.body, year=dialog.year)
        notes = ["已从上年报告沿用：上年结转、各部分文字（标为尚未修改）和联系方式。", *carried.notes]
        return self._create_and_open(carried.draft, dialog, f"以{previous.year}年报告为基础新建", notes)

    def _no_second_report(self, body: str, year: int) -> bool:
        from forms.carryover import existing_draft

        if existing_draft(self.store, body, year) is None:
            return True
        return self.prompts.confirm("已有同一年度的报告", f"草稿库里已有{body}{year}年度的报告。仍要再新建一份吗？",
                                    yes="仍然新建")

    def _create_and_open(self, draft, dialog: NewReportDialog, summary: str, notes: list[str]) -> int:
        draft.extra["body_type"] = dialog.body_type
        self._remember(body=dialog.body, body_type=dialog.body_type)
        info = self.store.create(to_dict(draft), state=state_of(draft), summary=summary)
        self.open_draft(info.id)
        if self.view:
            lines = [f"{dialog.year}年度报告{deadline_text(dialog.body_type, dialog.year)}。", *notes]
            self.view.show_banner("\n".join(lines))
        return info.id

    def import_file(self) -> None:
        path = self.prompts.open_file("导入", "年度报告 (*.docx *.xlsx *.nianbao.json *.json)")
        if path:
            self.import_path(path)

    def import_path(self, path: str | Path, *, open_it: bool = False) -> int | None:
        """A draft file, Word report or Excel annex into the store (a file double-clicked in the file manager
        arrives here too, with open_it)."""
        from exporters.importing import read_source
        from exporters.safety import SourceError

        try:
            result = read_source(path)
        except (SourceError, DraftError) as exc:
            self.prompts.warn("无法导入", str(exc))
            return None
        info = self.store.create(to_dict(result.draft), state=state_of(result.draft),
                                 summary=f"从 {Path(path).name} 导入")
        if result.unread:
            self.prompts.inform("导入完成，但有些内容未能读取", "\n".join(result.unread[:30]))
        self.library.refresh()
        self.library.select(info.id)
        if open_it:
            self.open_draft(info.id)
        return info.id

    def aggregate_reports(self) -> None:
        """汇总: sum the reports of many bodies; a county draft made from the sums is opened."""
        from desktop_app.dialogs.aggregate_dialog import AggregateDialog

        dialog = AggregateDialog(self.store, self.settings, self, self.prompts)
        self.prompts.run_dialog(dialog)
        if dialog.created_id is not None:
            self.library.refresh()
            self.open_draft(dialog.created_id)

    def export_draft_file(self) -> None:
        draft_id = self.library.selected_id()
        if draft_id is None:
            return
        from forms.draft import from_dict

        info, data = self.store.load(draft_id)
        draft = from_dict(data)
        path = self.prompts.save_file("导出草稿文件", f"{draft.body}{draft.year}年.nianbao.json", "草稿文件 (*.nianbao.json)")
        if not path:
            return
        try:
            write_draft(draft, path)
        except OSError as exc:
            self.prompts.warn("无法导出", f"无法写入 {path}：{exc.strerror or exc}")
            return
        self.statusBar().showMessage(f"已导出草稿文件 {path}", 5000)

    def duplicate(self) -> None:
        draft_id = self.library.selected_id()
        if draft_id is not None:
            self.library.refresh()
            self.library.select(self.store.duplicate(draft_id).id)

    def delete(self) -> None:
        draft_id = self.library.selected_id()
        if draft_id is None:
            return
        info = next(i for i in self.library.infos if i.id == draft_id)
        if self.prompts.confirm("删除草稿", f"把“{info.body} {info.year}年”移到回收站？以后可以恢复。", yes="删除"):
            self.store.delete(draft_id)

    def restore(self) -> None:
        draft_id = self.library.selected_id()
        if draft_id is not None:
            self.store.restore(draft_id)

    def edit_settings(self) -> None:
        from desktop_app.dialogs.settings_dialog import SettingsDialog

        self.prompts.run_dialog(SettingsDialog(self.settings, self))

    def _remember(self, **changes) -> None:
        for key, value in changes.items():
            setattr(self.settings, key, value)
        try:
            save_settings(self.settings)
        except OSError:
            pass  # settings are a convenience; the report itself is in the store

    # --- the open report -------------------------------------------------------------------------------------

    def open_draft(self, draft_id: int) -> bool:
        if not self.close_report():
            return False
        lock = locks.acquire(draft_id)
        if lock.state == locks.HELD and not self.prompts.confirm(
                "草稿已打开", "这份草稿已在另一个窗口或程序中打开。\n同时编辑时，后保存的一方会被拒绝，不会覆盖。仍要打开吗？",
                yes="仍然打开"):
            return False
        try:
            session = DraftSession(self.store, draft_id, parent=self)
        except (StoreError, DraftError) as exc:
            lock.release()
            self.prompts.warn("无法打开", str(exc))
            return False
        self.session, self.lock = session, lock
        session.saved.connect(lambda t: self.save_label.setText(f"已保存 {t}"))
        session.save_failed.connect(self._save_failed)
        session.conflict.connect(self._conflict)
        self.view = ReportView(session, self.prompts)
        self.view.buttons["library"].clicked.connect(self.show_library)
        self.view.buttons["export"].clicked.connect(self.export_report)
        self.view.buttons["preview"].clicked.connect(self.preview)
        self.view.buttons["history"].clicked.connect(self.history)
        self.edit_menu.clear()
        self.edit_menu.addAction(self.view.page.undo_action)
        self.edit_menu.addAction(self.view.page.redo_action)
        self.stack.addWidget(self.view)
        self.stack.setCurrentWidget(self.view)
        info = self.store.load(draft_id)[0]
        self.save_label.setText(f"上次保存 {info.updated.replace('T', ' ')}")
        if lock.state == locks.RECOVERED:
            self.view.show_banner(f"上次没有正常关闭（程序意外退出）。已恢复到最后一次自动保存的内容"
                                  f"（{info.updated.replace('T', ' ')}）。", "warning")
        elif lock.state == locks.HELD:
            self.view.show_banner("这份草稿同时在另一个窗口或程序中打开：另一方先保存后，这里的修改将无法自动保存。",
                                  "warning")
        return True

    def close_report(self) -> bool:
        """Save what is pending and close the open report; False if the clerk chose to stay."""
        if self.session is None:
            return True
        self.session.flush()
        if self.session.dirty and not self.prompts.confirm(
                "尚未保存", "最近的修改没有保存成功（见上方提示）。关闭后这些修改将丢失。仍要关闭吗？",
                yes="仍然关闭", no="返回"):
            return False
        if self.lock:
            self.lock.release()
        self.stack.removeWidget(self.view)
        self.view.deleteLater()
        self.session.deleteLater()
        self.session = self.view = self.lock = None
        self.edit_menu.clear()
        self.save_label.clear()
        return True

    def _save_failed(self, message: str) -> None:
        self.save_label.setText("未保存")
        if self.view:
            self.view.show_banner(f"{message}\n您的修改仍在窗口中，问题解决后会自动保存。", "error")

    def _conflict(self, message: str) -> None:
        self.save_label.setText("未保存（冲突）")
        if self.view:
            self.view.show_banner(message, "error")

    def export_report(self) -> None:
        from desktop_app.dialogs.export_dialog import ExportDialog

        if self.session:
            self.session.flush()
            self.prompts.run_dialog(ExportDialog(self.session.draft, self.settings, self))

    def preview(self) -> None:
        from desktop_app.preview import PreviewDialog

        if self.session:
            self.prompts.run_dialog(PreviewDialog(self.session.draft, self))

    def history(self) -> None:
        from desktop_app.dialogs.history_dialog import HistoryDialog

        if not self.session:
            return
        self.session.flush()
        dialog = HistoryDialog(self.store, self.session.draft_id, self.session.rev, self)
        restored = []
        dialog.restored.connect(restored.append)
        self.prompts.run_dialog(dialog)
        if restored:  # reopen on the restored revision so every view shows it
            draft_id = self.session.draft_id
            self.close_report()
            self.open_draft(draft_id)
            if self.view:
                self.view.show_banner("已恢复所选的历史版本（作为新的一版保存，之前的版本仍在历史中）。")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_report():
            event.accept()
        else:
            event.ignore()

