# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9  # keep equal to the uv pin in pyproject.toml

.PHONY: run test check venv lock clean bench bench-quick

venv: $(VENV)/.installed

# Every Python package comes from uv.lock (exact versions and hashes); --locked refuses a lock
# that no longer matches pyproject.toml, so a stale lock fails here and in CI.
$(VENV)/.installed: pyproject.toml uv.lock package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/uv --version 2>/dev/null | grep -qF "uv $(UV_VERSION)" || $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --locked --quiet
	command -v npm >/dev/null && npm ci --no-audit --no-fund --silent || echo "npm not found: the accessibility check will be skipped"
	touch $@

lock: venv  ## re-resolve uv.lock after editing pyproject.toml (UPGRADE=pkg to move one package)
	$(BIN)/uv lock $(if $(UPGRADE),--upgrade-package $(UPGRADE))

run: venv  ## migrate, seed the stand-in, start web + worker + beat + stand-in
	bin/run

test: venv  ## the whole suite; SQLite and in-process unless DATABASE_URL / CELERY_BROKER_URL say otherwise
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: venv  ## what CI checks besides the tests: lint, format, types, layers, migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) var

bench: venv  ## every benchmark at full scale (1M allocations, 3M calls) on PostgreSQL + Redis; ~30 min
	$(BIN)/python -m bench $(if $(SCALE),--scale $(SCALE))
# SCALE=5m: the growth run, the search, page and floor figures on 1M and on 5M allocations
# (15M calls) and every p95 at 5M against 1M; the first run loads the 5M data (~15 min).

bench-quick: venv  ## every benchmark figure at 10,000 allocations (CI smoke, < 3 min)
	$(BIN)/python -m bench --quick
