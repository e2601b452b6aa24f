"""Child process for the multi-process store tests (tests/test_store.py).

python tests/store_child.py saver PATH DRAFT_ID BUDGET
    Save draft DRAFT_ID repeatedly, up to BUDGET attempts.  Revision r always
    has the content content_for(r), so the parent can check every revision
    after killing this process at any moment.  Prints "ready" once the store
    is open, "try R" just before saving revision R, "done R" once it is committed.

python tests/store_child.py race PATH DRAFT_ID TAG
    Load the draft, print "ready", wait for a line on stdin, then save
    tagged_content(TAG) with the revision loaded as expected_rev.  Prints one
    JSON line: {"ok": true, "rev": R} or {"conflict": true, "expected": E, "actual": A}.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.store import ConflictError, Store  # noqa: E402

_CHARS = "政府信息公开年度报告申请答复行政复议诉讼主动依法规范工作数据统计"


def content_for(rev: int) -> dict:
    """The draft as saved at revision `rev`: deterministic, and growing with rev
    (more values, more text), so late saves write several pages."""
    rng = random.Random(rev)
    return {
        "format": "nianbao-draft",
        "format_version": 1,
        "template": "kill-test",
        "body": "测试县人民政府",
        "year": 2024,
        "meta": {"rev": rev},
        "sections": {
            "overview": f"第{rev}版。" + "".join(rng.choice(_CHARS) for _ in range(40 * rev)),
        },
        "values": {f"table3.row{i}.granted": f"{i * rev}.{rev % 10}" for i in range(5 * rev)},
    }


def tagged_content(tag: str) -> dict:
    return {"template": "race", "body": f"并发测试-{tag}", "year": 2024, "values": {"who": tag}}


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def saver(path: Path, draft_id: int, budget: int) -> None:
    store = Store(path)
    head = store.load(draft_id)[0].rev
    _say("ready")
    for _ in range(budget):
        rev = head + 1
        _say(f"try {rev}")
        head = store.save(draft_id, content_for(rev), expected_rev=head, summary=f"第{rev}次保存").rev
        _say(f"done {head}")
    store.close()
    _say("finished")


def race(path: Path, draft_id: int, tag: str) -> None:
    store = Store(path)
    info, _ = store.load(draft_id)
    _say("ready")
    sys.stdin.readline()  # the parent releases all racers at once
    try:
        new = store.save(draft_id, tagged_content(tag), expected_rev=info.rev)
        _say(json.dumps({"ok": True, "rev": new.rev}))
    except ConflictError as exc:
        _say(json.dumps({"conflict": True, "expected": exc.expected_rev, "actual": exc.actual_rev}))
    store.close()


def main(argv: list[str]) -> None:
    mode, path, draft_id = argv[0], Path(argv[1]), int(argv[2])
    if mode == "saver":
        saver(path, draft_id, int(argv[3]))
    elif mode == "race":
        race(path, draft_id, argv[3])
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
