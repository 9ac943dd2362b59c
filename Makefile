# Two commands for a fresh machine with only Python 3.11+:
#   make run    set everything up, load demo data, serve on http://127.0.0.1:5000
#   make test   set everything up and run the whole test suite (lint included)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app webapp
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test setup translations database demo lint format serve worker translations-update clean

setup: $(STAMP) translations

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

translations: $(STAMP)
	@for dir in $$(find webapp -type d -name translations); do \
	  if ls $$dir/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	    $(BIN)/pybabel compile -d $$dir -D messages || exit 1; \
	  fi; \
	done

# Kazakhstan's units go into an empty registry only: an installation set up for another
# country (INSTANCE_PATH or DATABASE_URL pointing at it) keeps its own.
database: setup
	$(FLASK) db upgrade
	$(FLASK) regions load --unless-another-country

demo: database
	$(FLASK) demo load --server-url http://$(HOST):$(PORT)

# The training worker runs beside the web server (models are never trained inside a request);
# with REDIS_URL set, run `flask --app webapp risk rq-worker` instead.
run: demo
	@echo "Serving on http://$(HOST):$(PORT) with a training worker (Ctrl+C stops both)"
	@$(FLASK) risk worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: demo
	$(BIN)/gunicorn --config gunicorn.conf.py

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# For developers: pull new strings out of the code and templates into each domain's catalogue.
translations-update: $(STAMP)
	@for dir in $$(find webapp -type d -name translations); do \
	  sources=$$($(BIN)/python -m webapp.translation_sources $$dir); \
	  $(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -o $$dir/messages.pot $$sources && \
	  for language in kk ru en; do \
	    if [ -f $$dir/$$language/LC_MESSAGES/messages.po ]; then \
	      $(BIN)/pybabel -q update --no-fuzzy-matching -d $$dir -i $$dir/messages.pot -l $$language; \
	    else $(BIN)/pybabel -q init -d $$dir -i $$dir/messages.pot -l $$language; fi; \
	  done; \
	done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
