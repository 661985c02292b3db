# cgmsite: `make run` to try the site, `make test` to check it. `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export SITE_BASE_URL ?= http://127.0.0.1:$(PORT)
export DJANGO_SETTINGS_MODULE ?= cgmsite.settings.dev

.DEFAULT_GOAL := help
.PHONY: help run serve-prod worker periodic test screenshots lint format messages migrate demo admin bench-news bench-emails bench-web bench-burst clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[1mmake %-12s\033[0m %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

messages: $(VENV)/.installed ## Compile the Italian translations (locale/it/LC_MESSAGES/django.mo)
	@$(BIN)/pybabel compile -d locale -D django --statistics 2>&1 | grep -v '^$$' || true
	@test -f locale/it/LC_MESSAGES/django.mo

migrate: messages ## Create or update the database (SQLite under var/ unless DATABASE_URL is set)
	@mkdir -p var
	$(BIN)/python manage.py migrate --no-input

demo: migrate ## Load the demo content (idempotent)
	$(BIN)/python manage.py load_demo_content

admin: migrate ## Make the local admin account, if missing, and print how to log in
	@$(BIN)/python manage.py ensure_admin

run: demo admin ## Set everything up, serve the site on 127.0.0.1:$(PORT) with the e-mail worker (Ctrl-C stops)
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)."
	@echo "E-mails are printed here by the worker (set EMAIL_HOST to send them). Ctrl-C stops."
	@bin/restarted $(BIN)/python manage.py db_worker --backend email & worker=$$!; \
	bin/restarted $(BIN)/python manage.py db_worker --backend email --queue-name teams & teams=$$!; \
	$(MAKE) --no-print-directory periodic & periodic=$$!; \
	trap 'kill $$worker $$teams $$periodic 2>/dev/null; wait $$worker $$teams $$periodic 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

serve-prod: $(VENV)/.installed-dev messages ## The production stack on 127.0.0.1:$(PORT): nginx, Varnish, gunicorn, e-mail worker, periodic jobs; local PostgreSQL and Redis (Ctrl-C stops)
	@PORT=$(PORT) bin/serve-prod

periodic: ## Every minute: publish scheduled pages, re-enqueue stalled e-mails, send due reminders, sync Teams (production: cron)
	@while true; do \
	  $(BIN)/python manage.py run_periodic_jobs >/dev/null; \
	  sleep 60; \
	done

worker: migrate ## Run only the e-mail worker (production: run one or more of these)
	$(BIN)/python manage.py db_worker --backend email

# axe-core for the browser tests' accessibility checks, from the npm registry (pinned by
# tests/browser/package-lock.json). Without npm those checks are skipped, not failed.
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility checks will be skipped (apt-get install npm)."; fi

lint: $(VENV)/.installed-dev ## Check style with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev ## Reformat the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.installed-dev $(AXE) messages lint ## Install test tools, run ruff and the whole test suite
	DJANGO_SETTINGS_MODULE=cgmsite.settings.test $(BIN)/pytest $(PYTEST_ARGS)

screenshots: $(VENV)/.installed-dev messages ## Screenshots of the demo site (phone and desktop) and the invitation e-mail into docs/screenshots/
	DJANGO_SETTINGS_MODULE=cgmsite.settings.test REQUIRE_BROWSER=1 $(BIN)/pytest tests/browser/screenshots.py -q

bench-news: $(VENV)/.installed-dev messages ## Benchmark the news pages on 10,000 posts (throwaway DB)
	DJANGO_SETTINGS_MODULE=cgmsite.settings.test $(BIN)/python bench/news.py $(BENCH_ARGS)

bench-emails: $(VENV)/.installed-dev messages ## Benchmark e-mail delivery: 2,000 messages, one worker, a local SMTP server (throwaway DB)
	DJANGO_SETTINGS_MODULE=cgmsite.settings.test $(BIN)/python bench/emails.py $(BENCH_ARGS)

bench-web: $(VENV)/.installed-dev messages ## Load-benchmark the pages with wrk on the production stack against a bare Django view, and through the front against a static file (10,000 posts, throwaway PostgreSQL DB)
	$(BIN)/python bench/web.py $(BENCH_ARGS)

bench-burst: $(VENV)/.installed-dev messages ## 1,000 concurrent sign-ups and confirmations for 100 seats through the production stack and a local SMTP server
	$(BIN)/python bench/burst.py $(BENCH_ARGS)

clean: ## Remove the virtualenv, database, media and caches
	rm -rf $(VENV) var media staticfiles .pytest_cache .ruff_cache
