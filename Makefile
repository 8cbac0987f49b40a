# Two commands do everything: `make run` (the app with demo data) and `make test`.
# mypy's file list (every app's services and selectors) is [tool.mypy] files in pyproject.toml.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)
# pytest-xdist processes for `make test` (one test database each); `make test TEST_WORKERS=0`
# runs the suite in one process. `--dist load` (not loadfile) hands each worker tests in the
# collection order, where pytest-django puts every transactional test (which empties the
# database at its end) after the others: per file, a worker would meet an emptied database.
TEST_WORKERS ?= 2

.PHONY: run test bench lint format worker stop-db install lock

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo "Background task worker (lockbox imports) started beside the server; its log: var/worker.log"
	@$(PY) manage.py run_worker > var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:8000

install: $(STAMP)

$(STAMP): requirements.lock scripts/bootstrap.sh
	bash scripts/bootstrap.sh --browser
	rm -f $(VENV)/.installed-*
	touch $@

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy
	@# The embedded server is started once here, before the workers race to start it.
	@[ -n "$$DATABASE_URL" ] || $(PY) -m billing_site.devdb > /dev/null
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist load --durations=25

bench: $(STAMP)
	$(PY) manage.py migrate --noinput -v0
	$(PY) -m bench

worker: $(STAMP)
	$(PY) manage.py run_worker

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

stop-db:
	$(PY) -m billing_site.devdb stop

lock:
	$(VENV)/bin/uv pip compile pyproject.toml --group dev -o requirements.lock --python-version 3.12
