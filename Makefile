# feedpub — developer entry points. Every target works on a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench bench-quick system-deps clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[s3,sftp,search,serve,dev]'
	touch $(STAMP)

# Build the sample publication (feeds/ + entries/) into public/.
run: install
	$(VENV)/bin/feedpub build

# System programs the publish tests talk to: sshd and rsync (Debian packages).
system-deps:
	@sh scripts/system-deps.sh

# The quick benchmark runs first so that pytest's summary is the last line printed; the suite
# runs on every core (pytest-xdist): most tests wait on real servers and processes.
test: install system-deps
	$(MAKE) --no-print-directory bench-quick
	$(PY) -m pytest -q -n auto

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: install system-deps
	@command -v hugo >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null 2>&1 \
	  || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null 2>&1; } \
	  || echo 'hugo could not be installed: the Hugo baseline will be skipped'
	$(PY) bench/run.py

bench-quick: install
	$(PY) bench/run.py --quick

clean:
	rm -rf $(VENV) public .pytest_cache .mypy_cache .ruff_cache
