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
	@echo "==> Test suite on SQLite"
	env -u DATABASE_URL $(BIN)/pytest -n 2 --dist loadfile
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "==> Test suite on PostgreSQL ($$TEST_DATABASE_URL)"; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest -n 2 --dist loadfile -m "not browser"; \
		echo "==> Ran on: SQLite and PostgreSQL"; \
	else \
		echo "==> Ran on: SQLite only (set TEST_DATABASE_URL to also run on PostgreSQL)"; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Load with faults on loopback (gunicorn, 20 clients, 60 s); uses TEST_DATABASE_URL if set.
soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py --seconds 60 --clients 20

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
