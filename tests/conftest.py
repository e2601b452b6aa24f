"""Shared test set-up: Qt offscreen before any Qt import, and a private data dir for every test so no test
touches the user's real store."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def nianbao_home(tmp_path, monkeypatch):
    home = tmp_path / "nianbao-home"
    monkeypatch.setenv("NIANBAO_HOME", str(home))
    return home
