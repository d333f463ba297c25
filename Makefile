# The two commands: `make report` (set up, validate, index, render) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report index test lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (kb)" > /dev/null
	touch $(STAMP)

index: $(STAMP)
	$(BIN)/kb validate
	$(BIN)/kb index

report: index
	$(BIN)/kb report --all

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check kb tests

clean:
	rm -rf build reports .pytest_cache
