"""Starting the application: one QApplication, Chinese translations for Qt's own buttons, the store in the
user's data dir (with the bundled samples on first start), the main window."""

from __future__ import annotations

import sys
import traceback
from datetime import datetime

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.main_window import MainWindow
from desktop_app.samples import RESOURCES, seed_samples
from forms.store import Store, StoreError, data_dir


def install_translations(app: QApplication) -> None:
    """Qt's own dialogs (file dialogs, print dialogs, standard buttons) in Simplified Chinese."""
    path = QLibraryInfo.path(QLibraryInfo.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, path):
            app.installTranslator(translator)
    QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))


def install_error_handler() -> None:
    """An unexpected error reaches the clerk as a message, not a traceback, and the details go to a log file
    in the data dir for whoever supports them. The draft itself is safe: it is autosaved after every edit."""

    def handle(kind, value, tb) -> None:
        details = "".join(traceback.format_exception(kind, value, tb))
        log = data_dir() / "nianbao.log"
        try:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"--- {datetime.now().isoformat(timespec='seconds')}\n{details}")
        except OSError:
            log = None
        sys.__stderr__.write(details)
        where = f"详细信息已记入 {log}。" if log else ""
        QMessageBox.warning(None, "年报", f"出现了意外错误：{value}\n\n已填写的内容已自动保存。{where}")

    sys.excepthook = handle


def main(argv: list[str] | None = None, open_path: str | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("nianbao")
    app.setApplicationDisplayName("年报")
    app.setDesktopFileName("nianbao")
    icon = RESOURCES / "icons" / "nianbao.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    install_translations(app)
    install_error_handler()
    try:
        store = Store()
        seed_samples(store)
    except StoreError as exc:
        QMessageBox.critical(None, "年报", f"无法打开草稿库：{exc}")
        return 2
    window = MainWindow(store)
    window.show()
    if open_path:
        window.import_path(open_path, open_it=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
