# The two commands a fresh machine needs: `make app` runs Clarify, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: app test bench

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

app: $(VENV)/.installed
	$(PY) -m streamlit run streamlit_app.py

test: $(VENV)/.installed
	LITELLM_OFFLINE_MODE=true $(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) bench/pipeline.py
	$(PY) bench/guard.py
	$(PY) bench/app.py
