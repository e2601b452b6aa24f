"""How long a full check of a filled national-2021 draft takes, beside the floor: a bare loop that sums the
same cells the identities read. Prints the medians and their ratio; run with `python bench/bench_check.py`.
Target (issue 2): median under 2 ms."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import median_ms  # noqa: E402

from forms.checks import check  # noqa: E402
from forms.draft import read_draft  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "2024_淮安市_人民政府.nianbao.json"


def main() -> None:
    draft = read_draft(SAMPLE)
    tpl = draft.tpl
    values = draft.values
    identities = [(i.left, i.right) for i in tpl.identities]

    def floor():  # the arithmetic alone: every identity's two sides summed from a dict, no messages
        bad = 0
        for left, right in identities:
            if sum(values.get(c, 0) for c in left) != sum(values.get(c, 0) for c in right):
                bad += 1
        return bad

    problems = check(draft)
    assert not [p for p in problems if p.severity == "error"], "the sample must be clean for a fair timing"
    # interleave the two so machine noise hits both alike
    checks, floors = [], []
    for _ in range(5):
        checks.append(median_ms(lambda: check(draft), 400, warmup=50))
        floors.append(median_ms(floor, 400, warmup=50))
    c, f = statistics.median(checks), statistics.median(floors)
    print(f"cells in draft: {len(values)}, identities: {len(identities)}")
    print(f"full check (淮安 2024, national-2021): median {c:.3f} ms   (target < 2 ms)")
    print(f"floor (bare loop summing the same cells): median {f:.3f} ms")
    print(f"ratio check / floor: {c / f:.1f}x")


if __name__ == "__main__":
    main()
