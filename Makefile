# Two commands for a new user: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed

.PHONY: run test test-browser bench lint migrations-check messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependencies change.
$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

# The worker that writes long exports (docs/operations.md, "Background jobs") runs beside
# gunicorn, its queue in the same database, and is stopped when gunicorn stops.
run: $(INSTALLED)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	trap '[ -z "$$worker" ] || kill $$worker; worker=' EXIT INT TERM; \
	WEB_CONCURRENCY=2 BIND=127.0.0.1:$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py --no-control-socket

# In parallel, a test process per core (pytest-xdist); TEST_WORKERS=0 runs them in one.
TEST_WORKERS ?= auto
test: $(INSTALLED)
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

# Issue 10's targets on PostgreSQL at 1 000, 100 000 and 300 000 projects, about 25 minutes
# (docs/performance.md). Quick: BENCH_SIZES=1000,20000 make bench. Needs PostgreSQL and Redis.
bench: $(INSTALLED)
	$(PY) bench/run.py

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

migrations-check: $(INSTALLED)
	$(PY) manage.py makemigrations --check --dry-run

messages: $(INSTALLED)
	$(PY) manage.py makemessages -l sv -l en -l lv --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles
