"""One cell edit in the open report, as the clerk sees it: the undo command, totals and checks recomputed,
the grid, navigator and problems panel refreshed. Printed beside the floor measured in the same run (the
same edit on a bare draft dict, no Qt, no checks), with the resident memory of the process with the report
open. Run: QT_QPA_PLATFORM=offscreen python bench/bench_edit.py
Targets (issue 4): median under 5 ms; resident memory under 200 MB."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["NIANBAO_HOME"] = tempfile.mkdtemp(prefix="nianbao-bench-")

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.main_window import MainWindow  # noqa: E402
from desktop_app.samples import seed_samples  # noqa: E402
from forms.store import Store  # noqa: E402

CELL = "table3.natural_person.granted"


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    app = QApplication([])
    store = Store()
    seed_samples(store)
    window = MainWindow(store)
    window.show()
    huaian = next(i for i in store.list() if i.body == "淮安市人民政府")
    window.open_draft(huaian.id)
    page = window.view.page
    table_page = page.show_step(next(s for s in page.steps if s.kind == "table" and s.key == "table3"))
    model = table_page.model
    index = model.index_of(CELL)
    app.processEvents()

    times = []
    for i in range(300):  # typed through the model, as the view's editor commits it
        t0 = time.perf_counter()
        model.setData(index, str(1288 + i % 7))
        app.processEvents()  # the repaint of the grid, navigator and panel
        times.append(time.perf_counter() - t0)
    edit = statistics.median(times) * 1000

    values = dict(window.session.draft.values)
    floor_times = []
    for i in range(300):
        t0 = time.perf_counter()
        values[CELL] = 1288 + i % 7
        floor_times.append(time.perf_counter() - t0)
    floor = statistics.median(floor_times) * 1000
    print(f"one cell edit (undo command, totals, checks, views): median {edit:.2f} ms, "
          f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms   (target < 5 ms)")
    print(f"floor (the same assignment into a dict): median {floor * 1000:.2f} µs; ratio {edit / floor:.0f}x")
    print(f"resident memory with the report open: {rss_mb():.0f} MB   (target < 200 MB)")
    window.close()


if __name__ == "__main__":
    main()
