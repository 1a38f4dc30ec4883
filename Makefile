# Two commands matter: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "liveapp needs Python 3.11 or newer")'
	@$(PYTHON) -c 'import sqlite3, sys; sys.exit(0 if sqlite3.sqlite_version_info >= (3, 35) else "liveapp needs SQLite 3.35 or newer in Python (this one has " + sqlite3.sqlite_version + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/liveapp demo

# The suite runs in two processes (pytest-xdist, a test module at a time each, so a
# module's started stack serves all its tests): about 11 min a backend on 2 cores.
# TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check liveapp jobs tests bench

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) instance .pytest_cache
