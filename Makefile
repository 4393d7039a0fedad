# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check venv clean bench bench-quick

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	command -v npm >/dev/null && npm ci --no-audit --no-fund --silent || echo "npm not found: the accessibility check will be skipped"
	touch $@

run: venv  ## migrate, seed the stand-in, start web + worker + beat + stand-in
	bin/run

test: venv  ## the whole suite; SQLite and in-process unless DATABASE_URL / CELERY_BROKER_URL say otherwise
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: venv  ## what CI checks besides the tests: lint, format, types, migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) var

bench: venv  ## issue 6 at full scale (1M allocations, 3M calls) on PostgreSQL + Redis; ~30 min
	$(BIN)/python -m bench

bench-quick: venv  ## every benchmark figure at 10,000 allocations (CI smoke, < 3 min)
	$(BIN)/python -m bench --quick
