"""Benchmark of forms.store (a plain script, not a test).

    python bench/bench_store.py [--drafts 1000] [--revs 50] [--dir DIR] [--keep]

Builds a store of N drafts x M revisions of realistic size (~200 values, ~5
paragraphs of Chinese text), then prints:

* p50/p95 of 200 ``Store.save()`` calls, with synchronous=FULL and NORMAL;
* the same for a baseline measured in the same run: a bare sqlite3
  INSERT+COMMIT of the same JSON into a one-table WAL database with the same
  synchronous setting, and the ratio store/baseline;
* open + ``list()`` time (median of several fresh opens), with the part spent in
  the integrity check (``PRAGMA quick_check``);
* the file size, and JSON vs zlib size/time per revision (the compression decision).

Targets: save p95 < 10 ms, open+list < 200 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms import store as store_mod  # noqa: E402
from forms.store import Store  # noqa: E402

# Seed text: the character distribution of real reports.  Paragraphs are drawn
# character by character from it (unigram), which compresses *worse* than real
# prose (no repeated phrases), so the size figures are on the safe side.
_SEED = (
    "本年度，我单位坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实《中华人民共和国政府信息公开条例》，"
    "围绕中心工作，深化主动公开，规范依申请公开，加强政策解读和回应关切，不断提升政府信息公开质量和实效。"
    "全年主动公开政府信息共计条，其中规范性文件件，政府网站发布信息条，政务新媒体发布信息条。"
    "收到政府信息公开申请件，其中自然人申请件，法人或者其他组织申请件，均在法定期限内予以答复。"
    "因政府信息公开工作被申请行政复议件，被提起行政诉讼件，结果均为维持。"
    "存在的主要问题是政策解读形式还不够丰富，基层公开标准化规范化建设仍需加强，工作人员业务能力有待提高。"
    "下一步，我们将进一步完善公开制度，加强平台建设，强化监督保障，推动政务公开工作再上新台阶。"
    "依据国务院办公厅政府信息与政务公开办公室印发的格式要求，本报告中所列数据的统计期限自一月一日起至十二月三十一日止。"
)

_TABLES = {
    "table2": ["rules", "normative_docs", "licensing", "penalty", "enforcement", "fees", "procurement"],
    "table3": ["natural_person", "commercial", "research", "social_org", "legal_service", "other"],
    "table4": ["review", "litigation"],
}
_COLS = [
    "received",
    "carried_over",
    "granted",
    "partly_granted",
    "refused_secret",
    "refused_law",
    "refused_safety",
    "refused_third_party",
    "not_exist",
    "not_own",
    "unclear",
    "withdrawn",
]


def _paragraph(rng: random.Random, n_chars: int) -> str:
    return "".join(rng.choice(_SEED) for _ in range(n_chars))


def make_draft(rng: random.Random, i: int) -> dict:
    values = {}
    for table, rows in _TABLES.items():
        for row in rows:
            for col in _COLS:
                if len(values) >= 200:
                    break
                values[f"{table}.{row}.{col}"] = str(rng.randint(0, 5000))
    sections = {
        key: _paragraph(rng, rng.randint(250, 450))
        for key in ("overview", "active", "on_request", "problems", "other")
    }
    return {
        "format": "nianbao-draft",
        "format_version": 1,
        "template": "gov-2021",
        "body": f"某某县第{i}局",
        "year": 2024,
        "meta": {"contact": "办公室", "phone": "0123-4567890", "published": "2025-01-20"},
        "sections": sections,
        "values": values,
    }


def mutate(rng: random.Random, draft: dict) -> None:
    """What a few minutes of editing does: change some numbers, now and then a paragraph."""
    keys = list(draft["values"])
    for key in rng.sample(keys, 3):
        draft["values"][key] = str(rng.randint(0, 5000))
    if rng.random() < 0.3:
        key = rng.choice(list(draft["sections"]))
        draft["sections"][key] = _paragraph(rng, rng.randint(250, 450))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def build_store(path: Path, n_drafts: int, n_revs: int, rng: random.Random) -> None:
    """Bulk-load through the store's own schema and encoding, in one transaction."""
    with Store(path) as st:
        conn = st.conn
        conn.execute("PRAGMA synchronous = OFF")  # bulk load only; the store itself never does this
        conn.execute("BEGIN IMMEDIATE")
        seq = 0
        for i in range(1, n_drafts + 1):
            draft = make_draft(rng, i)
            revs = []
            for rev in range(1, n_revs + 1):
                if rev > 1:
                    mutate(rng, draft)
                blob, codec = store_mod._encode(store_mod._dumps(draft))
                revs.append((i, rev, f"2025-01-{1 + rev % 28:02d}T10:00:00", "修改 3 个数字", codec, blob))
            seq += 1
            conn.execute(
                "INSERT INTO drafts (id, body, year, template, created, updated, rev, is_sample, state, edit_seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (
                    i,
                    draft["body"],
                    2024,
                    "gov-2021",
                    "2025-01-01T09:00:00",
                    "2025-01-28T10:00:00",
                    n_revs,
                    json.dumps({"errors": 0, "warnings": 1}),
                    seq,
                ),
            )
            conn.executemany(
                "INSERT INTO revisions (draft_id, rev, saved_at, summary, codec, content) VALUES (?, ?, ?, ?, ?, ?)",
                revs,
            )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def bench_saves(path: Path, synchronous: str, n: int, rng: random.Random) -> tuple[list[float], list[str]]:
    """n saves spread over drafts (as a clerk autosaving); returns latencies and the JSON texts."""
    latencies, texts = [], []
    with Store(path) as st:
        st.conn.execute(f"PRAGMA synchronous = {synchronous}")
        infos = st.list()
        for k in range(n):
            info = infos[k % 20]  # a few drafts being worked on
            info, draft = st.load(info.id)
            mutate(rng, draft)
            texts.append(store_mod._dumps(draft))
            t0 = time.perf_counter()
            info = st.save(info.id, draft, expected_rev=info.rev, state={"errors": 0, "warnings": k % 3})
            latencies.append(time.perf_counter() - t0)
    return latencies, texts


def bench_baseline(folder: Path, synchronous: str, texts: list[str]) -> list[float]:
    """Bare sqlite3: INSERT + COMMIT of the same JSON into a one-table WAL db."""
    path = folder / f"baseline-{synchronous}.sqlite3"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, content TEXT)")
    latencies = []
    for text in texts:
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t (content) VALUES (?)", (text,))
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - t0)
    conn.close()
    return latencies


def bench_open_list(path: Path, runs: int) -> tuple[list[float], list[float], int]:
    totals, checks = [], []
    n = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        with Store(path) as st:
            n = len(st.list())
        totals.append(time.perf_counter() - t0)
        # The integrity check alone, on its own connection.
        conn = sqlite3.connect(str(path))
        t0 = time.perf_counter()
        conn.execute("PRAGMA quick_check").fetchall()
        checks.append(time.perf_counter() - t0)
        conn.close()
    return totals, checks, n


def compression_figures(rng: random.Random, n: int = 200) -> None:
    drafts = [make_draft(rng, i) for i in range(n)]
    texts = [store_mod._dumps(d).encode("utf-8") for d in drafts]
    t0 = time.perf_counter()
    blobs = [zlib.compress(t, 6) for t in texts]
    t_comp = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for b in blobs:
        zlib.decompress(b)
    t_decomp = (time.perf_counter() - t0) / n
    raw = statistics.mean(len(t) for t in texts)
    packed = statistics.mean(len(b) for b in blobs)
    print(f"  JSON per revision      {raw / 1024:7.1f} KiB")
    print(f"  zlib-6 per revision    {packed / 1024:7.1f} KiB  (ratio {raw / packed:.2f}x)")
    print(f"  compress / decompress  {ms(t_comp)} / {ms(t_decomp)} per revision")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drafts", type=int, default=1000)
    ap.add_argument("--revs", type=int, default=50)
    ap.add_argument("--saves", type=int, default=200)
    ap.add_argument("--opens", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None, help="where to build (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the built files")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="nianbao-bench-", dir=args.dir))
    path = folder / "nianbao.sqlite3"
    rng = random.Random(20240501)
    try:
        print(f"SQLite {sqlite3.sqlite_version}, store synchronous={store_mod._SYNCHRONOUS}, folder {folder}")
        print("\nCompression (realistic draft: 200 values, 5 paragraphs):")
        compression_figures(random.Random(1))

        t0 = time.perf_counter()
        build_store(path, args.drafts, args.revs, rng)
        size = path.stat().st_size
        print(f"\nBuilt {args.drafts} drafts x {args.revs} revisions in {time.perf_counter() - t0:.1f} s")
        print(
            f"  file size              {size / 2**20:7.1f} MiB ({size / (args.drafts * args.revs) / 1024:.1f} KiB per revision)"
        )

        print(
            f"\nSave ({args.saves} calls; baseline = bare INSERT+COMMIT of the same JSON, same synchronous):"
        )
        for sync in ("FULL", "NORMAL"):
            lat, texts = bench_saves(path, sync, args.saves, rng)
            base = bench_baseline(folder, sync, texts)
            p50, p95 = pct(lat, 50), pct(lat, 95)
            b50, b95 = pct(base, 50), pct(base, 95)
            mark = "  <- store default" if sync == store_mod._SYNCHRONOUS else ""
            print(
                f"  synchronous={sync:<6}  store p50 {ms(p50)}  p95 {ms(p95)}   "
                f"baseline p50 {ms(b50)}  p95 {ms(b95)}   ratio p95 {p95 / b95:4.2f}{mark}"
            )

        totals, checks, n = bench_open_list(path, args.opens)
        print(f"\nOpen + list() of {n} drafts (median of {args.opens} fresh opens):")
        print(
            f"  open + list            {ms(statistics.median(totals))}  (min {ms(min(totals))}, max {ms(max(totals))})"
        )
        print(f"  of which quick_check   {ms(statistics.median(checks))}")
        size = path.stat().st_size
        print(f"\nFinal file size          {size / 2**20:7.1f} MiB")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
