# bibplan: the two set-up commands are `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8050

.PHONY: install run test test-fast lint bench load clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,postgres]"
	touch $(STAMP)

install: $(STAMP)

load: install
	$(VENV)/bin/bibplan load

run: load
	$(VENV)/bin/bibplan serve --dev --host $(HOST) --port $(PORT)

test: install
	scripts/system-packages.sh
	$(VENV)/bin/pytest

# Without the browser and slow tests: the quick loop while working.
test-fast: install
	$(VENV)/bin/pytest -m "not browser and not slow"

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) data/*.sqlite data/*.sqlite-* data/*.sqlite.lock data/*.sqlite.result.lock .pytest_cache
