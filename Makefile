# Two commands on a fresh Debian machine: `make run` and `make test`. Each makes what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench clean

run: $(VENV)/.run-installed
	@scripts/system-deps.sh run
	$(VENV)/bin/nianbao

test: $(VENV)/.test-installed
	@scripts/system-deps.sh test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q
	$(VENV)/bin/ruff check .

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .

bench: $(VENV)/.run-installed
	$(PY) bench/bench_check.py
	$(PY) bench/bench_store.py

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Nianbao needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.run-installed

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
