"""How long summing 500 and 1,000 department annexes takes (issue 6), and how much memory it needs.

The annexes are generated once (not timed): copies of the 淮安 2024 report with another body and random
figures, written with exporters.xlsx.write_xlsx. Each measurement runs in a fresh child process, so its peak
memory (resource.getrusage ru_maxrss: the child itself, and the largest of its worker processes) is its own.
Printed: median of `--repeat` runs of read + sum (exporters.aggregate.aggregate), the time to write the
summary workbook, peak memory, the ratio 1000/500, and baselines measured in the same run over the same
files: bare openpyxl (read-only, open the workbook and iterate its 数据 sheet) in one process and in the same
number of worker processes as the summing, and exporters.read_xlsx.read_xlsx in one process.

Targets: 500 annexes summed in under 10 s on a 2-core machine; 1,000 take at most 2.2x the time of 500;
peak memory under 300 MB.  Run: `python bench/bench_aggregate.py [--dir DIR] [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "tests" / "data" / "2024_淮安市_人民政府.nianbao.json"
COUNTS = (500, 1000)
APPLICANTS = ("natural_person", "commercial_enterprise", "research_institution", "public_welfare_org",
              "legal_service_org", "other_org")


# --- Generating the annexes (not timed) ----------------------------------------------------------------------


def make_annex(args: tuple[int, str]) -> None:
    """Annex number i: the 淮安 report's text, another body, random figures (one cell in eight blank), each
    column of 表三 balanced as a real report's is."""
    from exporters.xlsx import write_xlsx
    from forms.draft import read_draft

    i, folder = args
    rnd = random.Random(i)
    draft = read_draft(SAMPLE)
    tpl = draft.tpl
    draft.body = f"某某市第{i + 1:04d}号部门"
    draft.values = {}
    for cell in tpl.input_cells:
        if rnd.random() < 0.125:
            continue
        draft.values[cell.id] = Decimal(rnd.randint(0, 999999)) / 100 if cell.kind == "money" else rnd.randint(0, 60)
    result_rows = [r for r in tpl.table("table3").row_keys if r not in
                   ("new_received", "carried_over", "results_total", "carried_forward")]
    for a in APPLICANTS:
        results = sum(draft.values.get(f"table3.{a}.{r}", 0) for r in result_rows)
        forward = rnd.randint(0, 20)
        carried = rnd.randint(0, min(results + forward, 30))
        draft.values.update({f"table3.{a}.carried_forward": forward, f"table3.{a}.carried_over": carried,
                             f"table3.{a}.new_received": results + forward - carried})
    write_xlsx(draft, Path(folder) / f"{i + 1:04d}.xlsx")


def generate(folder: Path, count: int) -> list[Path]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    paths = [folder / f"{i + 1:04d}.xlsx" for i in range(count)]
    missing = [i for i, p in enumerate(paths) if not p.exists()]
    if missing:
        t0 = time.perf_counter()
        with ProcessPoolExecutor(os.cpu_count(), mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(make_annex, [(i, str(folder)) for i in missing], chunksize=16))
        print(f"generated {len(missing)} annexes in {time.perf_counter() - t0:.1f} s (not timed)", flush=True)
    return paths


# --- One measurement, in a child process ---------------------------------------------------------------------


def bare_openpyxl(path: str) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in wb["数据"].iter_rows(values_only=True))
    wb.close()
    return n


def bare_source(path: str):
    from exporters.aggregate import Source

    bare_openpyxl(path)
    return Source(path, error="baseline")


def child(mode: str, count: int, folder: str) -> dict:
    from exporters import aggregate as agg

    paths = [str(Path(folder) / f"{i + 1:04d}.xlsx") for i in range(count)]
    out: dict = {"workers": agg.default_workers(count)}
    t0 = time.perf_counter()
    if mode == "aggregate":
        result = agg.aggregate(paths)
        out["seconds"] = time.perf_counter() - t0
        assert len(result.bodies) == count and not result.unreadable
        out["rss_read_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        me, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_read = me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime
        with tempfile.TemporaryDirectory() as tmp:
            t1 = time.perf_counter()
            agg.write_summary(result, Path(tmp) / "汇总.xlsx", "某某市人民政府")
            out["write_seconds"] = time.perf_counter() - t1
            out["summary_kb"] = (Path(tmp) / "汇总.xlsx").stat().st_size / 1024
        me = resource.getrusage(resource.RUSAGE_SELF)
        out["cpu_write"] = me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime - cpu_read
    elif mode == "bare":
        for p in paths:
            bare_openpyxl(p)
        out["seconds"] = time.perf_counter() - t0
    elif mode == "bare_pool":
        agg.read_sources(paths, reader=bare_source)
        out["seconds"] = time.perf_counter() - t0
    elif mode == "read_xlsx":
        from exporters.read_xlsx import read_xlsx

        for p in paths:
            read_xlsx(p)
        out["seconds"] = time.perf_counter() - t0
    me, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out["rss_mb"] = me.ru_maxrss / 1024
    out["rss_workers_mb"] = workers.ru_maxrss / 1024
    out["cpu_seconds"] = me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime - out.get("cpu_write", 0)
    return out


def measure(mode: str, count: int, folder: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(count), str(folder)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- The report ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="folder for the generated annexes (kept; default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "COUNT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, count, folder = args.child
        print(json.dumps(child(mode, int(count), folder)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.dir) if args.dir else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = generate(folder, max(COUNTS))
        for p in paths:  # into the page cache, so no run pays for the disk
            p.read_bytes()
        print(f"machine: {os.cpu_count()} CPUs; annex size {paths[0].stat().st_size / 1024:.0f} kB")
        runs: dict[int, list[dict]] = {n: [] for n in COUNTS}
        for _ in range(args.repeat):  # interleaved, so machine noise hits both sizes alike
            for n in COUNTS:
                runs[n].append(measure("aggregate", n, folder))
        med = {n: statistics.median(r["seconds"] for r in runs[n]) for n in COUNTS}
        for n in COUNTS:
            r = runs[n]
            each = ", ".join(format(x["seconds"], ".2f") for x in r)
            cpu = statistics.median(x["cpu_seconds"] for x in r)
            print(f"{n:>5} annexes: read + sum median {med[n]:.2f} s (runs: {each}; "
                  f"{r[0]['workers']} worker processes, {cpu:.1f} CPU-seconds in all); "
                  f"write summary {statistics.median(x['write_seconds'] for x in r):.2f} s "
                  f"({r[0]['summary_kb']:.0f} kB); peak memory: main {max(x['rss_read_mb'] for x in r):.0f} MB "
                  f"reading, {max(x['rss_mb'] for x in r):.0f} MB with the summary written; "
                  f"each worker {max(x['rss_workers_mb'] for x in r):.0f} MB")
        print(f"ratio 1000/500: {med[1000] / med[500]:.2f}   (target <= 2.2)")
        print(f"500 annexes in under 10 s: {'yes' if med[500] < 10 else 'NO'} ({med[500]:.2f} s)")
        n = COUNTS[0]
        bare = measure("bare", n, folder)
        bare_pool = measure("bare_pool", n, folder)
        slow = measure("read_xlsx", n, folder)
        print(f"baseline, bare openpyxl read-only open + iterate 数据, {n} annexes, 1 process: "
              f"{bare['seconds']:.2f} s ({bare['cpu_seconds']:.1f} CPU-s); "
              f"ratio read + sum / baseline: {med[n] / bare['seconds']:.2f}")
        print(f"baseline, the same in {bare_pool['workers']} worker processes: {bare_pool['seconds']:.2f} s; "
              f"ratio: {med[n] / bare_pool['seconds']:.2f}")
        print(f"exporters.read_xlsx.read_xlsx, {n} annexes, 1 process: {slow['seconds']:.2f} s, {slow['cpu_seconds']:.1f} CPU-s "
              f"({slow['seconds'] / n * 1000:.0f} ms per annex)")


if __name__ == "__main__":
    main()
