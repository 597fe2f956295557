# One place for set-up: every target installs what it needs into .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ALLURE := tools/allure/node_modules/.bin/allure

.PHONY: demo test bench setup clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[sim,test]"
	touch $(STAMP)

setup: $(STAMP)

# The Allure 3 CLI, pinned by tools/allure/package-lock.json (npm registry only, no download at run time).
$(ALLURE): tools/allure/package.json tools/allure/package-lock.json
	npm ci --prefix tools/allure --no-audit --no-fund --loglevel=error
	touch $(ALLURE)

## make demo: every suite against the built-in simulated lab, reports under reports/
demo: $(STAMP) $(ALLURE)
	$(BIN)/restore-harness demo

## make test: the project's own tests, one pytest-xdist worker per core; --dist loadfile keeps each
## test file on one worker, so a module fixture (a simulated lab) starts once. Most tests wait on
## WinRM round trips and subprocesses, so two workers on two cores finish well before one.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile tests

## make bench: speed figures, kept out of make test
bench: $(STAMP)
	$(BIN)/python -m benchmarks.import_suite
	$(BIN)/python -m benchmarks.drill

clean:
	rm -rf $(VENV) reports/allure-results reports/allure-report
