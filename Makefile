# The two commands a fresh machine needs: `make app` runs Clarify, `make test` runs the tests.
# `make lint` (ruff, then mypy) and `make test-fast` (no browser, PostgreSQL or slow AppTests) are for
# the edit-test loop; `make bench` prints the speed and memory figures the README quotes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FAST := not browser and not postgres and not slow

.PHONY: app test test-fast lint bench

# One install for the app, the tests and the linters: requirements-dev.txt pulls in requirements.txt
# and adds pytest, pytest-xdist, hypothesis, playwright, ruff, mypy and the pandas/PyYAML stubs.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

app: $(VENV)/.installed
	$(PY) -m streamlit run streamlit_app.py

test: $(VENV)/.installed
	LITELLM_OFFLINE_MODE=true $(PY) -m pytest -q

# test-fast spreads over two processes (pytest-xdist); every test keeps to its own temp folder.
test-fast: $(VENV)/.installed
	LITELLM_OFFLINE_MODE=true $(PY) -m pytest -q -n 2 -m "$(FAST)"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed
	$(PY) bench/pipeline.py
	$(PY) bench/guard.py
	$(PY) bench/app.py
