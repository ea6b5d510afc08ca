# hotelpbx — one command to run it, one to test it.  `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PYTHON_BOOT := $(shell command -v python3.11 2>/dev/null || command -v python3)
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: help venv run test lint fmt bench screenshots up clean

help:
	@echo "make run    start the demo hotel on http://127.0.0.1:8000/ (Redis, web, worker, beat, PBX emulator)"
	@echo "make test   run the whole test suite, browser tests included (PYTEST_ARGS=... to pass options)"
	@echo "make lint   ruff check + ruff format --check"
	@echo "make fmt    ruff format + ruff check --fix"
	@echo "make bench  run every bench/*.py"
	@echo "make screenshots  PNGs of the demo (board, tablet, check-in, timeline, PBX) into docs/screenshots/"
	@echo "make up     docker compose up --build (with the PBX emulator unless PBX_URL is set)"
	@echo "make venv   create .venv with the pinned dependencies"
	@echo "make clean  remove var/ (SQLite, Redis socket, static files), .venv and the egg-info"

venv: $(VENV)/.installed

# Re-installs only when pyproject.toml changed. The project itself is not installed as a package
# ([tool.setuptools] packages = []): everything runs from the repository root.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON_BOOT) -m venv $(VENV)
	$(PIP) install -e ".[test]"
	@touch $@

run: venv
	@bin/run

test: venv
	@if [ ! -x $(CHROMIUM) ] || ! ldconfig -p 2>/dev/null | grep -q libpangoft2; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium (browser tests) and Pango (invoice PDFs)..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq chromium libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	  else \
	    echo "NOTE: the browser tests need Debian's chromium at $(CHROMIUM), invoice PDFs need Pango."; \
	    echo "      Install them with: sudo apt-get install chromium libpango-1.0-0 libpangoft2-1.0-0"; \
	  fi; \
	fi
	@# var/test keeps the suite's files (SQLite, the embedded Redis) apart from a running `make run`.
	HOTELPBX_VAR_DIR="$${HOTELPBX_VAR_DIR:-$(CURDIR)/var/test}" $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

screenshots: venv
	$(BIN)/python bin/screenshots.py

bench: venv
	@shopt -s nullglob; files=(bench/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "No bench/*.py yet."; exit 0; fi; \
	for f in "$${files[@]}"; do \
	  echo "== $$f"; PYTHONPATH="$(CURDIR)" $(BIN)/python "$$f" || exit $$?; \
	done

up:
	@if [ "$$(bin/pbx-mode)" = emulator ]; then \
	  docker compose --profile emulator up --build; \
	else \
	  docker compose up --build; \
	fi

clean:
	rm -rf var $(VENV) *.egg-info
