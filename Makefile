# One entry point for people and CI. Everything runs inside .venv, created on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint demo bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff format --check runner tests bench
	$(BIN)/ruff check runner tests bench
	$(BIN)/mypy --strict runner

test: lint
	$(BIN)/pytest -q -n 2

# The demo needs the runtime only: a venv of its own with `pip install -e .` (a few seconds),
# not the test extras (ruff, mypy, selenium ...: most of a minute) that .venv gets.
DEMO_VENV := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed

$(DEMO_STAMP): pyproject.toml
	test -d $(DEMO_VENV) || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install -qq -e .
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/httprun requests/products.http --env envs/sandbox.env

# The benchmark runs in a venv with the runtime dependencies only, as a user installs httprun:
# the test extras (selenium brings trio, which httpcore then imports) would slow every start.
BENCH_VENV := .venv-bench
bench:
	test -d $(BENCH_VENV) || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -qq -e .
	$(BENCH_VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) $(DEMO_VENV) $(BENCH_VENV) build dist .mypy_cache .ruff_cache
