# Every target creates .venv itself: a fresh machine needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-fast bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/lianping serve --demo

# Two pytest-xdist workers (CI has 2 cores), each taking whole test files (module fixtures).
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(BIN)/lianping bench

lint: $(STAMP)
	$(BIN)/ruff check domain application projections api tests bench
	$(BIN)/mypy domain application projections api

clean:
	rm -rf $(VENV) var/*.db*
