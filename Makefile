# 群防 Qunfang. Two commands on a fresh clone: `make demo` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo serve test bench bench-opinion fuzz lint format messages browser clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "群防需要 Python 3.11 / Qunfang needs Python 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## install into .venv (idempotent)

demo: $(STAMP)  ## migrate var/qunfang.sqlite3, load the demo city, serve on 127.0.0.1:8000
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo
	@echo; echo "打开 / open http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: $(STAMP)
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP)  ## the whole suite (browser tests skip, and say so, where chromium is absent)
	$(PY) -m pytest

BENCH_DB ?= sqlite:///$(CURDIR)/var/bench.sqlite3
bench: $(STAMP)  ## every `bench_*` command, each printing JSON lines, on a scratch database
	@mkdir -p var && rm -f var/bench.sqlite3
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py migrate --no-input -v 0
	@for cmd in $$($(PY) manage.py help --commands | grep '^bench_'); do \
	  DATABASE_URL=$(BENCH_DB) $(PY) manage.py $$cmd || exit 1; done
	@$(MAKE) --no-print-directory bench-opinion

DATA ?= ../shared/data
bench-opinion: $(STAMP)  ## the opinion engine's figures on ../shared/data (skipped without it)
	@if [ ! -d $(DATA) ]; then echo '{"bench": "opinion", "skipped": "no $(DATA)"}'; exit 0; fi; \
	$(PY) -m opinion_engine.evaluate --task emotion --data $(DATA)/smp2020-ewect-virus/virus_eval_labeled.csv && \
	$(PY) -m opinion_engine.evaluate --task sentiment --data $(DATA)/smp2020-ewect-virus/virus_eval_labeled.csv && \
	$(PY) -m opinion_engine.evaluate --task sentiment --data $(DATA)/ncov-weibo-sentiment/dev.csv && \
	$(PY) -m opinion_engine.evaluate --task rumour --data $(DATA)/checked-covid-fake-news/benchmark_test.csv && \
	$(PY) -m opinion_engine.bench --data $(DATA)/smp2020-ewect-virus/virus_eval_labeled.csv --schemes 1000 --peers snownlp,jiagu && \
	$(PY) -m opinion_engine.soak --data-dir $(DATA) --posts 300000 --segment 30000

FUZZ_USERS ?= - sysadmin nc_zhen nc_nancun
fuzz: $(STAMP)  ## hostile input on every page and form of a throw-away demo city (var/fuzz/)
	rm -rf var/fuzz && mkdir -p var/fuzz
	QUNFANG_VAR_DIR=$(CURDIR)/var/fuzz $(PY) manage.py migrate --no-input -v 0
	QUNFANG_VAR_DIR=$(CURDIR)/var/fuzz $(PY) manage.py seed_demo --persons 300 --posts 500 >/dev/null
	QUNFANG_VAR_DIR=$(CURDIR)/var/fuzz $(PY) scripts/fuzz_pages.py $(FUZZ_USERS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)  ## refresh the English catalogue after changing UI text (needs GNU gettext)
	$(PY) manage.py makemessages -l en --no-obsolete -i '.venv/*' -i 'var/*' -i 'test-output/*'
	$(PY) scripts/fill_translations.py

browser:  ## Debian's chromium for the browser tests (root; no browser download by Playwright)
	command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

clean:
	rm -rf $(VENV) var test-output .pytest_cache
