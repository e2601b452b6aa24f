"""Export of the 淮安 2024 report to .docx and .xlsx, beside a minimal script writing the same three tables
with bare python-docx / openpyxl calls (no styling, no merges) in the same run; and import of the .docx.
Run: python bench/bench_export.py
Targets (issue 3): export median under 400 ms and at most 2x the bare script; import under 500 ms."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
import openpyxl  # noqa: E402
from timing import median_ms  # noqa: E402

from exporters.docx import write_docx  # noqa: E402
from exporters.layout import TableBlock, build  # noqa: E402
from exporters.read_docx import read_docx  # noqa: E402
from exporters.xlsx import write_xlsx  # noqa: E402
from forms.draft import read_draft  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "2024_淮安市_人民政府.nianbao.json"


def main() -> None:
    draft = read_draft(SAMPLE)
    tables = [b for b in build(draft).blocks if isinstance(b, TableBlock)]
    out = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))

    def ours():
        write_docx(draft, out / "report.docx")
        write_xlsx(draft, out / "annex.xlsx")

    def bare():  # the same three tables, as plain grids of text, with the libraries' defaults
        document = docx.Document()
        book = openpyxl.Workbook()
        for block in tables:
            table = document.add_table(rows=block.rows, cols=block.cols)
            sheet = book.create_sheet(block.name)
            for cell in block.cells:
                table.rows[cell.row].cells[cell.col].text = cell.text
                sheet.cell(cell.row + 1, cell.col + 1, cell.text)
        document.save(out / "bare.docx")
        book.save(out / "bare.xlsx")

    ours_ms, bare_ms = [], []
    for _ in range(3):  # interleaved, so machine noise hits both alike
        ours_ms.append(median_ms(ours, 5))
        bare_ms.append(median_ms(bare, 5))
    o, b = statistics.median(ours_ms), statistics.median(bare_ms)
    print(f"export .docx + .xlsx (淮安 2024): median {o:.0f} ms   (target < 400 ms)")
    print(f"bare python-docx + openpyxl, same three tables: median {b:.0f} ms")
    print(f"ratio: {o / b:.2f}x   (target <= 2x)")
    imp = median_ms(lambda: read_docx(out / "report.docx"), 9)
    print(f"import of the .docx report: median {imp:.0f} ms   (target < 500 ms)")


if __name__ == "__main__":
    main()
