# Set-up is part of every target: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# `make run`'s server: daphne (the Procfile's) or uvicorn (uvloop, httptools).
WEB_SERVER ?= daphne
UVICORN_OPTIONS := --loop uvloop --http httptools --ws websockets-sansio \
	--ws-per-message-deflate false --lifespan off --timeout-keep-alive 75

# pytest's parallel workers (pytest-xdist) for the test targets: browser and server tests
# mostly wait, so two per core, at most 8 (TEST_WORKERS=1 runs in one process).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); w=$$((n * 2)); echo $$((w > 8 ? 8 : w)))
# Each file's tests stay on one worker: its module-scoped Chromium and servers start once.
PYTEST_PARALLEL = $(if $(filter-out 0 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

.PHONY: install run check test test-all test-fast test-reliability lint messages bench bench-smoke clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is required (set PYTHON=python3.12 for example)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q ".[test]"
	touch $@

install: $(BIN)/.installed

# The load tool's extra (django-eventstream, the peer), on top of the test install.
$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/pip install -q ".[test,bench]"
	touch $@

# The app on the embedded default: SQLite, in-memory channel layer, local files and
# transcoder. DEBUG defaults to on here only, for the development SECRET_KEY.
# WEB_SERVER=uvicorn make run: the same app on uvicorn.
# SITE_URL (the links in emails) follows PORT unless set.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	DEBUG=$${DEBUG-1} $(BIN)/python manage.py migrate --noinput
	@case "$(WEB_SERVER)" in \
	  daphne) set -x; DEBUG=$${DEBUG-1} exec $(BIN)/daphne -b 127.0.0.1 -p $(PORT) \
	    project.asgi:application ;; \
	  uvicorn) set -x; DEBUG=$${DEBUG-1} exec $(BIN)/uvicorn --host 127.0.0.1 --port $(PORT) \
	    $(UVICORN_OPTIONS) project.asgi:application ;; \
	  *) echo "WEB_SERVER must be daphne or uvicorn, not '$(WEB_SERVER)'"; exit 2 ;; \
	esac

# Lint and the browser client's unit tests: the first step of `make test` and `test-all`.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if command -v node >/dev/null; then node --test tests/js/; \
	elif [ "$$CI" = true ]; then echo "node is required in CI (apt-get install nodejs)"; exit 1; \
	else echo "skipped the JS unit tests: no node (apt-get install nodejs)"; fi

# Before every commit: everything but the soak and the `full` tests (the phone-size run
# of browser flows whose layout they do not check), on parallel workers; uses
# DATABASE_URL / REDIS_URL when set.
test: check
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not slow and not full"

# Everything but the soak (`make test-reliability`), `full` tests too: what CI runs.
test-all: check
	$(BIN)/pytest $(PYTEST_PARALLEL)

# Unit, service and consumer tests only: no server processes, no browser.
test-fast: install
	$(BIN)/pytest $(PYTEST_PARALLEL) --ignore=tests/e2e --ignore=tests/reliability

# The soak test (about 70 s): 1,000 sockets, kills along the way. Not in `make test`.
test-reliability: install
	$(BIN)/pytest -m slow tests/reliability

# The load tool (docs/performance.md): needs PostgreSQL and Redis; about 12 minutes.
# The deployed shape (the Procfile's web command), the floor then ours, three rounds (the
# run's figure is the median of the rounds' ratios, every round printed); BENCH_ARGS adds
# options (--compare REF, --peer, --processes 1,2, --scale 10002, --py-spy 50,150).
bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench --scenarios standard --rounds 3 $(BENCH_ARGS)
	$(BIN)/python -m bench --scenarios storm

# A tiny run of the same tool (the floor and ours, on the Procfile's command; no peer, so
# no bench extra): fails on any loss, duplicate or misroute.
bench-smoke: install
	$(BIN)/python -m bench --smoke

# Refresh the translation catalogues from the code (locale/<lang>/LC_MESSAGES/*.po), then
# compile them to the committed .mo files. Needs GNU gettext (apt-get install gettext);
# running the app does not. docs/i18n.md.
MESSAGE_LANGUAGES := pl de
MESSAGE_IGNORE := --ignore=node_modules --ignore=tests --ignore=bench --ignore=clients \
	--ignore=media --ignore=test-artifacts
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages --no-obsolete $(MESSAGE_IGNORE) \
		$(foreach l,$(MESSAGE_LANGUAGES),-l $(l)) -d django
	DEBUG=1 $(BIN)/python manage.py makemessages --no-obsolete $(MESSAGE_IGNORE) \
		$(foreach l,$(MESSAGE_LANGUAGES),-l $(l)) -d djangojs
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules \
		$(foreach l,$(MESSAGE_LANGUAGES),-l $(l))

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts node_modules
