# make       installs what is missing, then builds the site, the PDFs and the citation files,
#            in the student and the instructor editions, into build/
# make test  runs every test
#
# System packages come from one list, scripts/debian-packages.txt: scripts/system-deps
# installs the missing ones on Debian (as root, or with sudo that needs no password) or
# stops with the exact command to run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all build check test lint bench clean system-build system-test

all: build

system-build:
	@scripts/system-deps build

system-test:
	@scripts/system-deps test

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

build: system-build $(STAMP)
	$(BIN)/coursepack build --edition both

check: system-build $(STAMP)
	$(BIN)/coursepack check

test: system-test $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

bench: system-build $(STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf build docs/_generated
