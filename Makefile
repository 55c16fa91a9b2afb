# TimeTracker: `make run` serves on http://127.0.0.1:8000, `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

staticfiles/staticfiles.json: $(STAMP) $(shell find static -type f 2>/dev/null)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: $(STAMP) staticfiles/staticfiles.json
	$(BIN)/python manage.py migrate --noinput
	@echo "Serving on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "==> Running the suite on two databases: SQLite, then PostgreSQL ($$TEST_DATABASE_URL)"; \
	else \
		echo "==> Running the suite on SQLite only (set TEST_DATABASE_URL to add PostgreSQL)"; \
	fi
	@echo "==> Test suite on SQLite"
	env -u DATABASE_URL $(BIN)/pytest -n 2 --dist loadfile
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "==> Test suite on PostgreSQL (the SQLite run above passed)"; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest -n 2 --dist loadfile -m "not browser"; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Load with faults on loopback (gunicorn, 20 clients); uses TEST_DATABASE_URL if set. Twice:
# without a SIGKILL every PostHog event must be accounted for; with one, no data may be lost.
soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py --seconds 30 --clients 20 --no-kill
	$(BIN)/python benchmarks/soak.py --seconds 60 --clients 20

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
