# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint check venv clean

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

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: venv  ## what CI checks besides the tests
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) var
