# The README's two commands: `make run` (the demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Until the demo lands, `make run` prepares the database and says what comes next.
run: $(BIN)/.installed
	$(BIN)/ipsrt init

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: $(BIN)/.installed
	$(BIN)/pytest tests/bench/bench_*.py -s -p no:xdist $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
