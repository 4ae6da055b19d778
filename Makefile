# One API in Python — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
export PORT

.PHONY: run test venv migrate test-python test-sqlite test-postgres test-services clean help

help:
	@echo "make run   - install everything needed and serve on port $(PORT) (SQLite in ./data)"
	@echo "make test  - run every test (Python on SQLite and PostgreSQL, frontend, browser)"
	@echo "make bench - benchmark against a direct call, nginx and LiteLLM"

# Reinstall only when the requirements or setup.py change.
$(VENV)/.installed: requirements.txt setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

venv: $(VENV)/.installed

-include mk/*.mk

# Builds the frontend when frontend/package.json exists (mk/frontend.mk decides if it is stale).
frontend-maybe:
	@if [ -f frontend/package.json ] && grep -q '^frontend-build:' mk/frontend.mk 2>/dev/null; then \
		$(MAKE) --no-print-directory frontend-build; fi

run: venv frontend-maybe
	mkdir -p data
	SQLITE_PATH=$${SQLITE_PATH:-./data/one-api.db} $(BIN)/oneapi migrate
	SQLITE_PATH=$${SQLITE_PATH:-./data/one-api.db} PATH=$(CURDIR)/$(BIN):$$PATH exec $(BIN)/oneapi serve

test-services:
	bash scripts/test-services.sh > .test-services.env

# The SQLite run also holds the migration checks on every server and the two-instance test.
test-sqlite: venv test-services
	source .test-services.env && ONEAPI_TEST_DB=sqlite $(BIN)/pytest -n 2 --dist loadfile

# The same suite against PostgreSQL (tests/db and tests/cluster already ran above).
test-postgres: venv test-services
	source .test-services.env && ONEAPI_TEST_DB=postgres $(BIN)/pytest -n 2 --dist loadfile \
		--ignore=tests/db --ignore=tests/cluster

test-python: test-sqlite test-postgres

test: venv test-services
	@# real clients for the end-to-end checks (tests skip only when an install failed)
	-$(MAKE) --no-print-directory claude-code codex
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-mysql
	@if grep -q '^test-frontend:' mk/frontend.mk 2>/dev/null; then $(MAKE) --no-print-directory test-frontend; fi
	@if grep -q '^test-browser:' mk/frontend.mk 2>/dev/null; then $(MAKE) --no-print-directory test-browser; fi

clean:
	rm -rf $(VENV) frontend/dist frontend/node_modules .test-services.env
