# vardia — `make demo` to try it, `make test` to check it. `make help` lists the rest.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 1
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test lint bench screenshots lock catalog clean
LOCK := requirements/dev.txt
CATALOG := core/locale/el/LC_MESSAGES/vardia.po

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The exact versions of the lock file, hashes checked; then vardia itself, editable (its
# build compiles the Greek catalog, so a changed .po installs again).
$(STAMP): pyproject.toml $(LOCK) hatch_build.py $(CATALOG)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP) ## Start the TUI on a throwaway demo dataset, with a local sync server
	$(BIN)/vardia demo

test: $(STAMP) lint ## Lint, then run every test (the Greek snapshots in a Greek process)
	$(BIN)/python -m pytest -n auto -q
	VARDIA_LANG=el $(BIN)/python -m pytest -q tests/tui/test_snapshots_el.py

lint: $(STAMP) ## ruff, mypy (strict on core and server) and the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) ## Every SPEC §9 budget on generated data (SCALE=10 for ten times the data)
	$(BIN)/python -m bench --scale $(SCALE)

screenshots: $(STAMP) ## Regenerate the SVG screenshots in screenshots/ (English and Greek) and the statement in docs/
	VARDIA_LANG=en $(BIN)/python -m tui.screenshots screenshots docs
	VARDIA_LANG=el $(BIN)/python -m tui.screenshots screenshots docs

catalog: $(STAMP) ## Gather the marked strings and merge them into the Greek catalog (then translate the new ones)
	@mkdir -p build
	$(BIN)/pybabel extract --no-location --sort-output --no-default-keywords \
		-k _ -k N_ -k N_plural:1,2 -k ngettext:1,2 -o build/vardia.pot core tui server
	$(BIN)/pybabel update --ignore-obsolete --no-fuzzy-matching --width=100 -i build/vardia.pot -o $(CATALOG) -l el

lock: $(STAMP) ## Pin every dependency of the dev and server extras, with hashes, in requirements/dev.txt
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --allow-unsafe --extra=dev --extra=server --generate-hashes \
		--strip-extras --no-emit-index-url --no-emit-find-links --output-file=$(LOCK) pyproject.toml
	sed -i '/^# WARNING: pip install will require/,/^    # via vardia (pyproject.toml)$$/d' $(LOCK)

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
