"""The sample reports bundled in resources/samples/, put into an empty store on first start so a newcomer
sees a real report at once."""

from __future__ import annotations

from pathlib import Path

from forms import checks
from forms.draft import read_draft, to_dict
from forms.store import Store

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SAMPLES = RESOURCES / "samples"


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.nianbao.json"))


def seed_samples(store: Store) -> int:
    """Put the bundled samples into a store that has never held a draft (not even in the bin); returns how
    many were added. A clerk who deleted the samples does not get them back."""
    if store.list() or store.list(deleted=True):
        return 0
    added = 0
    for path in sample_files():
        draft = read_draft(path)
        store.create(to_dict(draft), is_sample=True, state=checks.state_of(draft), summary="示例报告")
        added += 1
    return added
