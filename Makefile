# Two commands set everything up on a fresh machine:
#   make demo   create .venv, install, ingest + code the bundled demo corpus, print what was stored
#   make test   create .venv, install, run the test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DB     ?= out/demo.duckdb

.PHONY: install demo test test-all bench lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: install
	mkdir -p out
	rm -f $(DB) $(DB).wal
	$(VENV)/bin/detente ingest demo/ --db $(DB)
	$(VENV)/bin/detente stats --db $(DB)
	$(VENV)/bin/detente brief RUS PRK --db $(DB) -o out/brief-RUS-PRK.md
	$(VENV)/bin/detente brief RUS PRK --db $(DB) --format html -o out/brief-RUS-PRK.html
	cat out/brief-RUS-PRK.md
	@echo "Web app on the demo store: $(VENV)/bin/detente serve --db $(DB) --read-only   then open http://127.0.0.1:8000/"

test: install
	$(PY) -m pytest -q

test-all: install
	$(PY) -m pytest -q -m ''

bench: install
	$(PY) bench/extraction.py
	$(PY) bench/ingest.py
	$(PY) bench/coding.py

# Refresh exact pins after changing dependencies in pyproject.toml.
lock:
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip freeze --exclude-editable | grep -v '^detente' > requirements.lock

clean:
	rm -rf $(VENV) out build *.egg-info
