# Rollout Academy: the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install install-e2e install-ldap run serve migrate demo messages compilemessages test e2e lint fmt bench check clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its dev tools

E2E_STAMP := $(VENV)/.installed-e2e

# Playwright drives Debian's Chromium (apt-get install chromium): it never
# downloads a browser of its own.
$(E2E_STAMP): $(STAMP) pyproject.toml
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet -e ".[dev,e2e]"
	@touch $(E2E_STAMP)

LDAP_STAMP := $(VENV)/.installed-ldap

# python-ldap is built from source: apt-get install libldap2-dev libsasl2-dev.
$(LDAP_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,ldap]"
	@touch $(LDAP_STAMP)

install-ldap: $(LDAP_STAMP)  ## install sign-in with an LDAP / Active Directory password (needs libldap2-dev, libsasl2-dev)

install-e2e: $(E2E_STAMP)  ## install the browser journeys' tools (Playwright, axe-core)

compilemessages: $(STAMP)  ## compile the translation catalogues (pure Python, no gettext needed)
	$(BIN)/python manage.py compile_translations

migrate: $(STAMP)  ## apply database migrations
	@$(BIN)/python manage.py migrate --noinput -v 0 && echo "Database migrated ($(BIN)/python manage.py showmigrations lists the migrations)."

demo: migrate  ## load the demo organisation, staff, courses and accounts (idempotent)
	$(BIN)/python manage.py seed_demo

run: install compilemessages migrate demo  ## set up everything and serve the app with its task worker
	@$(BIN)/python manage.py demo_logins
	@echo "Serving on http://127.0.0.1:$(PORT)/  (admin: /admin/). Ctrl-C stops the server and the worker."
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py devserver 127.0.0.1:$(PORT)

test: install compilemessages  ## run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: install-e2e compilemessages  ## browser journeys on a scratch database (needs chromium); screenshots in var/e2e/
	@command -v chromium >/dev/null || { echo "make e2e needs Chromium: apt-get install chromium fonts-wqy-microhei"; exit 3; }
	$(BIN)/python -m pytest -c tests/e2e/pytest.ini tests/e2e $(E2E_ARGS)

check: install  ## Django system checks and migration drift
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

lint: install  ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install  ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install  ## refresh the English and Chinese catalogues (needs GNU gettext)
	$(BIN)/python manage.py makemessages -l en -l zh_Hans --no-obsolete --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compile_translations

bench: install compilemessages  ## run the benchmarks and write docs/benchmarks.md
	$(BIN)/python -m bench

clean:  ## remove the virtualenv, the local database and generated files
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
