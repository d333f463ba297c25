# The two commands: `make report` (set up, validate, index, render) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report index test lint clean serve lab workshop

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

# The search web app (notebooks/search.ipynb with Voila) on http://127.0.0.1:$(SERVE_PORT)/, requesting
# nothing from other hosts: kb/templates holds voila/templates/offline, found through JUPYTER_PATH.
SERVE_PORT ?= 8866
# A visitor's kernel is shut down this many seconds after the page was left (idle and disconnected).
CULL_AFTER ?= 600
serve: $(STAMP)
	test -e build/index || $(BIN)/kb index
	JUPYTER_PATH="$(CURDIR)/kb/templates$${JUPYTER_PATH:+:$$JUPYTER_PATH}" \
	KB_INDEX="$${KB_INDEX:-$(CURDIR)/build/index}" \
	$(BIN)/voila notebooks/search.ipynb --no-browser --port=$(SERVE_PORT) --Voila.ip=127.0.0.1 --template=offline \
		--MappingKernelManager.cull_interval=60 --MappingKernelManager.cull_idle_timeout=$(CULL_AFTER)

# The facilitator's session app (notebooks/session.ipynb) for one session record, offline like `serve`:
# make workshop SESSION=workshops/2027-01-20-....yaml
WORKSHOP_PORT ?= 8867
workshop: $(STAMP)
	test -n "$(SESSION)" || { echo "usage: make workshop SESSION=workshops/<record>.yaml" >&2; exit 2; }
	test -f "$(SESSION)" || { echo "$(SESSION): no such session record" >&2; exit 2; }
	test -e build/index || $(BIN)/kb index
	JUPYTER_PATH="$(CURDIR)/kb/templates$${JUPYTER_PATH:+:$$JUPYTER_PATH}" \
	KB_INDEX="$${KB_INDEX:-$(CURDIR)/build/index}" KB_SESSION="$(abspath $(SESSION))" \
	$(BIN)/voila notebooks/session.ipynb --no-browser --port=$(WORKSHOP_PORT) --Voila.ip=127.0.0.1 \
		--template=offline --MappingKernelManager.cull_interval=60 --MappingKernelManager.cull_idle_timeout=$(CULL_AFTER)

# JupyterLab on notebooks/, with the project's kernel ("Python 3 (kb)", installed by the set-up step);
# as root (a container) it needs --allow-root, and only then gets it.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 --no-browser \
		$$(test "$$(id -u)" = 0 && echo --allow-root)

lint: $(STAMP)
	$(BIN)/ruff check kb tests

clean:
	rm -rf build reports .pytest_cache
