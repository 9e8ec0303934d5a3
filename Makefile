# vardia — `make demo` to try it, `make test` to check it. `make help` lists the rest.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 1
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test lint bench screenshots clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	@touch $(STAMP)

demo: $(STAMP) ## Start the TUI on a throwaway demo dataset, with a local sync server
	$(BIN)/vardia demo

test: $(STAMP) lint ## Lint, then run every test
	$(BIN)/python -m pytest -n auto -q

lint: $(STAMP) ## ruff, mypy (strict on core and server) and the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) ## Every SPEC §9 budget on generated data (SCALE=10 for ten times the data)
	$(BIN)/python -m bench --scale $(SCALE)

screenshots: $(STAMP) ## Regenerate the SVG screenshots in screenshots/
	$(BIN)/python -m tui.screenshots screenshots

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
