# bibplan: the two set-up commands are `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8050

.PHONY: install run test bench load clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

load: install
	$(VENV)/bin/bibplan load

run: load
	$(VENV)/bin/bibplan serve --dev --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/pytest

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) data/*.sqlite data/*.sqlite-* data/*.sqlite.lock .pytest_cache
