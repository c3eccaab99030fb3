# Budget App. `make run` serves at http://127.0.0.1:8000; `make test` runs everything.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-postgres lint bench system-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(STAMP)
	$(BIN)/python manage.py migrate --fake-initial --noinput
	$(BIN)/python manage.py migrate --database investments --noinput
	$(BIN)/python manage.py seed_defaults
	$(BIN)/python manage.py serve --host 127.0.0.1 --port 8000

# Debian packages the tests drive for real: a browser, an IMAP server, PostgreSQL.
SYSTEM_DEPS := chromium:chromium dovecot:dovecot-imapd /usr/lib/postgresql/15/bin/initdb:postgresql

system-deps:
	@missing=""; for pair in $(SYSTEM_DEPS); do \
	  cmd=$${pair%%:*}; pkg=$${pair#*:}; \
	  command -v $$cmd >/dev/null 2>&1 || [ -x "$$cmd" ] || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for tests:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(TEST_STAMP)
	$(BIN)/ruff check --no-cache .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=budgetsite.settings_test

# pytest's exit code 5 (no tests collected) must fail, never pass silently.
test: $(TEST_STAMP) system-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -p no:cacheprovider; \
	  rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

# The whole suite again on a throw-away PostgreSQL cluster (initdb in a temp
# folder, a free port on 127.0.0.1, removed at the end): see tests/pgcluster.py.
test-postgres: $(TEST_STAMP) system-deps
	$(BIN)/python -m tests.pgcluster -- $(BIN)/python -m pytest -n 2 --dist loadgroup -q -p no:cacheprovider; \
	  rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

bench: $(TEST_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
