# Two commands on a fresh Debian machine: `make run` and `make test`. Each makes what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench clean dist deb test-dist

run: $(VENV)/.run-installed
	@scripts/system-deps.sh run
	$(VENV)/bin/nianbao

test: $(VENV)/.test-installed
	@scripts/system-deps.sh test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"
	$(VENV)/bin/ruff check .

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .

bench: $(VENV)/.run-installed
	$(PY) bench/bench_check.py
	$(PY) bench/bench_store.py

# The standalone build (packaging/README.md): dist/nianbao/ (PyInstaller, one folder), then the .deb from it.
dist: $(VENV)/.dist-installed
	@scripts/system-deps.sh dist
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --workpath build/pyinstaller --distpath dist packaging/nianbao.spec
	@du -sh dist/nianbao

deb: dist
	$(PY) packaging/build_deb.py

# Builds both, then runs tests/test_dist.py with its slow tests (the bundle, the window, the .deb).
test-dist: $(VENV)/.test-installed deb
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/test_dist.py

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Nianbao needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.run-installed

$(VENV)/.dist-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dist]'
	@touch $@ $(VENV)/.run-installed

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
