# gistpath: `make demo` and `make test` each set up .venv on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORE   := src/gistpath/case src/gistpath/imaging src/gistpath/outcomes src/gistpath/knowledge \
          src/gistpath/stats src/gistpath/safety src/gistpath/pathway src/gistpath/trial

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gistpath needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m gistpath.demo --cases examples/cases --out out

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy $(CORE)

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	@touch $@

bench: $(VENV)/.bench-installed
	for script in benchmarks/*.py; do case "$$script" in */_*) ;; *) $(BIN)/python "$$script" || exit 1;; esac; done

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
