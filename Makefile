# One place for set-up: every target installs what it needs into .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench setup clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

setup: $(STAMP)

## make demo: every suite against the built-in simulated lab, reports under reports/
demo: $(STAMP)
	$(BIN)/restore-harness demo

## make test: the project's own tests
test: $(STAMP)
	$(BIN)/python -m pytest -q tests

## make bench: speed figures, kept out of make test
bench: $(STAMP)
	$(BIN)/python -m benchmarks.import_suite

clean:
	rm -rf $(VENV) reports/allure-results reports/allure-report
