# One place for every developer command. `make build` and `make test` are the README's quick start.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: build test test-slow test-all lint format clean

build: $(STAMP)
	$(BIN)/kzby-kg build

# The README's test command: lint, then the unit and acceptance tiers (90 s or less), a test
# file per core (pytest-xdist): files share session fixtures (the graph, pyshacl's report).
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -m "not slow" -n auto --dist loadfile

# The slow tier: benchmark, big files, load, browser, Virtuoso. CI runs it too (.ci/run).
test-slow: $(STAMP)
	$(BIN)/pytest -m slow

test-all: test test-slow

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) dist .pytest_cache .ruff_cache
