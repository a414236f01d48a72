# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PROGRAMME ?= fixtures/ha-giang-2024.json

.PHONY: run test stop setup install install-test lock messages check-embedded lint bench-export backup restore soak bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs exactly the locked versions, each checked against its hash (requirements.lock, made from
# requirements.txt by `make lock`): every machine, online or not, gets the same files.
$(VENV)/.installed: $(BIN)/python requirements.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	touch $@

# After changing a pin in requirements.txt or requirements-test.txt: the lock files again, with hashes (pip-tools).
lock:
	$(PYTHON) -c "import piptools" 2>/dev/null || (echo "pip-tools is needed: pip install pip-tools" && exit 2)
	$(PYTHON) -m piptools compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock requirements.txt
	$(PYTHON) -m piptools compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-test.lock requirements-test.txt

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Compiled translations are build output (git-ignored), made with polib so no gettext install is needed.
messages: install
	$(BIN)/python manage.py compile_translations

# Database ready with the programme and demo data; safe to repeat (nothing is duplicated, and what
# an admin changed since the programme was first loaded is kept: see load_programme --if-absent).
setup: messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_programme --if-absent $(PROGRAMME)
	$(BIN)/python manage.py seed_demo --year 2024

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops the site; 'make stop' stops the embedded database)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Browser tests need Debian's chromium, the printed-report test LibreOffice, poppler-utils and Carlito:
# where they are missing those tests are skipped, and said so here and in pytest's summary (-ra).
# One pytest-xdist worker per core: most tests wait on PostgreSQL, chromium or gunicorn, and each
# worker has its own test database. TEST_WORKERS=0 runs the suite in this one process.
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): each
# worker would otherwise rewrite and compile every test module's asserts again (3 s a worker, every run).
TEST_WORKERS ?= auto
test: install-test messages
	@test -x /usr/bin/chromium || echo "NOTE: /usr/bin/chromium not found: the browser tests (tests/browser) will be SKIPPED (apt-get install chromium)."
	@command -v soffice >/dev/null && command -v pdftotext >/dev/null || echo "NOTE: LibreOffice or poppler-utils not found: the printed-report test will be SKIPPED (apt-get install libreoffice-calc-nogui poppler-utils)."
	@fc-list :family=Carlito family 2>/dev/null | grep -q Carlito || echo "NOTE: the Carlito font (Calibri's metrics) not found: the printed-report test will be SKIPPED (apt-get install fonts-crosextra-carlito)."
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# Stops the embedded PostgreSQL (no-op when DATABASE_URL points elsewhere).
stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m emulation.embedded_db stop; fi

# The embedded-database path end to end, for CI: start, migrate, load, query, stop.
check-embedded: install messages
	env -u DATABASE_URL $(BIN)/python -m emulation.embedded_db start
	env -u DATABASE_URL $(BIN)/python manage.py migrate --noinput
	env -u DATABASE_URL $(BIN)/python manage.py load_programme $(PROGRAMME)
	env -u DATABASE_URL $(BIN)/python manage.py load_programme $(PROGRAMME)
	env -u DATABASE_URL $(BIN)/python manage.py check_programme --year 2024
	env -u DATABASE_URL $(BIN)/python -m emulation.embedded_db stop

lint: install-test
	$(BIN)/ruff check .

# Raw-data export against bare openpyxl write-only, 100k and 1M rows (slow: minutes); appends to docs/benchmarks.md.
bench-export: install
	$(BIN)/python scripts/bench_export.py --rows 100000 1000000 --write docs/benchmarks.md

# Backups of the configured database (embedded or DATABASE_URL) into backups/ (git-ignored).
backup: install
	$(BIN)/python manage.py backup

# make restore FILE=backups/emulation-....dump [YES=1]
restore: install
	@test -n "$(FILE)" || (echo "usage: make restore FILE=backups/emulation-....dump" && exit 2)
	$(BIN)/python manage.py restore "$(FILE)" $(if $(YES),--yes,)

# Mixed reads and writes by many users against gunicorn on loopback for DURATION seconds (default 300):
# fails on any 5xx or any acknowledged write missing afterwards.
DURATION ?= 300
soak: setup
	$(BIN)/python scripts/soak.py --duration $(DURATION)

# Pages, queries and imports at province and region size (see docs/benchmarks.md). SIZES=province for a quick run.
SIZES ?= province region
bench: install messages bench-export
	$(BIN)/python scripts/bench.py --sizes $(SIZES)
