# The README's two commands: `make run` (the demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# The browser tests drive Debian's Chromium (tests/helpers/browser.py).
CHROMIUM ?= /usr/bin/chromium
# Empty as root; "sudo -n" (never prompts) for others when sudo exists.
SUDO := $(shell [ "$$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && echo "sudo -n"; })

.PHONY: run test lint bench fuzz clean chromium screenshots

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The demo: a synthetic cohort, its last days over emulated Bluetooth bands, the
# dashboard at http://127.0.0.1:8050 (logins printed; Ctrl-C stops it).
run: $(BIN)/.installed
	$(BIN)/ipsrt demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Installs Debian's chromium package when it is missing (as root, or through sudo).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] || [ -n "$(SUDO)" ]; then \
			echo "installing Debian's chromium for the browser tests"; \
			{ $(SUDO) apt-get update -qq && \
			$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
			echo "could not install chromium: the browser tests skip (and fail under CI=true)"; \
		else \
			echo "$(CHROMIUM) is missing and neither root nor sudo can install it:" \
				"the browser tests skip (and fail under CI=true)"; \
		fi; \
	fi

test: lint chromium
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The user guide's screenshots (docs/images/), from the pages that exist.
screenshots: $(BIN)/.installed chromium
	$(BIN)/python -m tests.browser.make_screenshots

bench: $(BIN)/.installed
	$(BIN)/pytest tests/bench/bench_*.py -s -p no:xdist $(PYTEST_ARGS)

# The CLI fuzz test with many random examples per command (make test runs a few,
# always the same): FUZZ_EXAMPLES=1000 make fuzz for a nightly run.
FUZZ_EXAMPLES ?= 200
fuzz: $(BIN)/.installed
	IPSRT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -n 2 tests/cli/test_cli_fuzz.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
