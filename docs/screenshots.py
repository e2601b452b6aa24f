"""Makes the screenshots shown in the README, at 1366×768, offscreen:

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py

They are taken from the real application on a fresh store holding the bundled samples."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
os.environ["NIANBAO_HOME"] = tempfile.mkdtemp(prefix="nianbao-shots-")

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.main_window import MainWindow  # noqa: E402
from desktop_app.samples import seed_samples  # noqa: E402
from forms.store import Store  # noqa: E402


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def main() -> None:
    app = QApplication([])
    store = Store()
    seed_samples(store)
    w = MainWindow(store)
    w.resize(1366, 768)
    w.show()
    settle(app)
    w.grab().save(str(DOCS / "library.png"))

    huaian = next(i for i in store.list() if i.body == "淮安市人民政府")
    w.open_draft(huaian.id)
    page = w.view.page
    page.show_step(next(s for s in page.steps if s.kind == "section" and s.key == "overview"))
    settle(app)
    w.grab().save(str(DOCS / "narrative.png"))

    # table 三 with an error: one figure mistyped, as clerks do
    w.session.set_cells({"table3.natural_person.granted": 1298})
    t3 = page.show_step(next(s for s in page.steps if s.kind == "table" and s.key == "table3"))
    t3.focus_cell("table3.natural_person.granted")
    settle(app)
    w.grab().save(str(DOCS / "table3-error.png"))
    w.session.undo_stack.undo()
    w.close_report()

    wushan = next(i for i in store.list() if i.body == "武山县人民政府")
    w.open_draft(wushan.id)
    page = w.view.page
    page.show_step(next(s for s in page.steps if s.kind == "section" and s.key == "problems"))
    garbled = next(p for p in page.problems_panel.problems() if p.rule == "TEXT-GARBLED")
    page.problems_panel.select(garbled)
    settle(app)
    w.grab().save(str(DOCS / "sample-2016-proofreading.png"))
    w.close_report()
    print("written:", ", ".join(p.name for p in sorted(DOCS.glob("*.png"))))


if __name__ == "__main__":
    main()
