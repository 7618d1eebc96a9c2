# Quick start: `make conformance` (suite vs the embedded sandbox, writes reports/) and `make test` (self-tests).
# Both create the virtual environment themselves from the hashed lockfile.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: conformance test venv lock clean sandbox

venv: $(STAMP)

$(STAMP): requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $(STAMP)

conformance: $(STAMP)
	$(BIN)/python -m pytest conformance $(PYTEST_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

sandbox: $(STAMP)
	$(BIN)/python -m sandbox --host 127.0.0.1 --port 8765

# Re-pin after editing pyproject.toml dependencies.
lock:
	$(PY) -m pip install --quiet uv && $(PY) -m uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) reports/allure-results reports/html
