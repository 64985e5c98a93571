# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip

.PHONY: demo test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# The demo needs only the core install; the test stamp includes it.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e '.[test,neural]'
	touch $@ $(VENV)/.core

demo: $(VENV)/.core
	$(BIN)/livebot demo --out demo.mp4

test: $(VENV)/.test
	$(BIN)/ruff check bot tests bench tools
	$(BIN)/python -m pytest -q

bench: $(VENV)/.test
	$(BIN)/python bench/run_all.py

lint: $(VENV)/.test
	$(BIN)/ruff check bot tests bench tools

clean:
	rm -rf $(VENV) demo.mp4 livebot-demo.db bench/out
