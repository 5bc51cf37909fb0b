# `make demo` and `make test` set everything up on a fresh machine, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo test test-fast lint bench services chromium clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,spark,clickhouse,embeddings]'
	touch $(STAMP)

setup: $(STAMP) services

# The local PostgreSQL and MariaDB servers the database tests use (started if stopped).
services:
	@bash scripts/ensure-services.sh

demo: setup
	$(VENV)/bin/applens demo

# Debian's Chromium for the browser tests (installed once with apt-get; never downloaded by Playwright).
chromium:
	@bash scripts/ensure-chromium.sh

test: setup chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-fast: setup chromium
	$(VENV)/bin/pytest -m "not slow" $(PYTEST_ARGS)

# ruff with the rules of pyproject.toml; tests/docs/test_lint.py runs the same check.
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) applens-demo .pytest_cache
