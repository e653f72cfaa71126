# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv and install into it; a stamp keyed on pyproject.toml keeps
# the second run instant.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test bench install install-dev chromium postgresql clean

demo: $(STAMP).run
	$(BIN)/ssops-ci demo

test: $(STAMP).dev chromium postgresql
	$(BIN)/ruff check ssops_ci tests bench
	$(BIN)/ruff format --check ssops_ci tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/zizmor --offline --no-progress --min-severity low .github/workflows action.yml
	$(BIN)/pytest -n 2 -q

bench: $(STAMP).dev
	$(BIN)/python -m bench

# The HTML report is checked in a real headless browser: Debian's chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the report test (once)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "could not install chromium (needs root and Debian's apt): the HTML report test will say so"; }

# The PostgreSQL store is tested against a real server: Debian's postgresql (its binaries only; the
# tests start their own throwaway cluster on loopback).
postgresql:
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the store tests (once)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } \
	  || echo "could not install postgresql (needs root and Debian's apt): the PostgreSQL store tests will skip"; }

install: $(STAMP).run
install-dev: $(STAMP).dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

$(STAMP).run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP).dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP).run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
