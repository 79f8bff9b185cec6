# Điểm Tựa — the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
# Use uv from PATH when present; otherwise install it with pip and run it as a module.
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install uv deps static serve migrate seed lint format messages worker beat cluster clean

demo: install migrate seed  ## Install, migrate, load admin units and demo data, then serve
	@$(UV) run python manage.py demo_logins --url http://$(HOST):$(PORT)
	$(UV) run python manage.py runserver $(HOST):$(PORT)

test: install  ## Run the whole suite (PostgreSQL when DATABASE_URL is set)
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run python manage.py makemigrations --check --dry-run
	$(UV) run pytest $(PYTEST_ARGS)

install: uv deps static

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
		|| $(PYTHON) -m pip install --quiet uv || $(PYTHON) -m pip install --quiet --user uv

deps:
	$(UV) sync --frozen

static:
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
	$(UV) run python scripts/copy_static.py

migrate:
	$(UV) run python manage.py migrate --noinput

seed:
	$(UV) run python manage.py load_admin_units --communes
	$(UV) run python manage.py seed_demo

serve:
	$(UV) run python manage.py runserver $(HOST):$(PORT)

worker:  ## Celery worker (needs REDIS_URL)
	$(UV) run celery -A config worker --loglevel=info

beat:  ## Celery beat scheduler (needs REDIS_URL)
	$(UV) run celery -A config beat --loglevel=info

cluster: install  ## Two app servers, a worker and one beat on DATABASE_URL and REDIS_URL (docs/deploy.md)
	scripts/run_cluster.sh

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format:
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

messages:  ## Refresh and compile translations (needs GNU gettext)
	$(UV) run python manage.py makemessages -l en --ignore=node_modules --ignore=.venv --ignore=static --ignore=staticfiles --ignore=var --ignore="*/tests/*" --no-obsolete
	$(UV) run python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/*.sqlite3 staticfiles static/vendor
