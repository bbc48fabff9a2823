# Palabre: `make run` serves it, `make test` checks it. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run test lint format db i18n bundle bench clean

install: $(STAMP) $(COMPILED)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Palabre needs Python 3.11 or newer"; exit 1; }
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

%.mo: %.po $(STAMP)
	@$(BIN)/pybabel --quiet compile --use-fuzzy -i $< -o $@

# Quiet when all goes well; what went wrong is printed in full.
db: install
	@out=$$($(BIN)/flask db upgrade 2>&1) || { echo "$$out" >&2; exit 1; }
	@out=$$($(BIN)/flask load-demo --if-empty 2>&1) || { echo "$$out" >&2; exit 1; }

run: db
	@$(BIN)/python -m app.demo_banner
	@$(BIN)/python serve.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint
	@./scripts/ensure-system-deps.sh
	$(BIN)/pytest
	@if [ "$$CI" = "true" ] || [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "--- the database tests again, on PostgreSQL ---"; \
	  TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_TEST_URL)} $(BIN)/pytest -m "not browser and not sqlite_only" -p no:cacheprovider; \
	fi

i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output . >/dev/null
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete >/dev/null
	@$(MAKE) --no-print-directory $(COMPILED)

bundle:
	npm ci --no-audit --no-fund
	npm run build

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
