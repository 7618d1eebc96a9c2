# Quick start: `make conformance` (suite vs the embedded sandbox, writes reports/) and `make test` (self-tests).
# Both create the virtual environment themselves from the hashed lockfile.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Reports: the Allure CLI pinned in package.json/package-lock.json, and Debian's Chromium for the
# report's self-test (installed by `make browser` when missing; no downloaded browser builds).
NODE_STAMP := node_modules/.installed
# Node is optional for `make conformance`: without npm every report but the HTML is written, and the run says
# in one line how to get the HTML.
NPM := $(shell command -v npm 2>/dev/null)
REPORTS ?= reports
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: conformance test lint venv lock clean sandbox browser report

venv: $(STAMP)

# The locked dependencies, then the checkout itself, editable (the `pnd-conformance` command and the
# `pnd_conformance` package, mapped onto the repository's folders by setup.py).
$(STAMP): requirements.lock pyproject.toml setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(NODE_STAMP)

# The suite → $(REPORTS)/: conformance.json + conformance.md (the matrix), junit.xml, allure-results/
# and html/index.html (when npm is installed), built even when tests fail.
# The summary's last lines name the gate and the exit code (make repeats it as "Error <code>"); CI calls
# the command itself (examples/github-actions-conformance.yml).
conformance: $(STAMP) $(if $(NPM),$(NODE_STAMP))
	$(BIN)/pnd-conformance run --reports-dir $(REPORTS) $(PYTEST_ARGS)

# Rebuild only the HTML from the last run's Allure results.
report: $(STAMP) $(NODE_STAMP)
	$(BIN)/pnd-conformance report --results $(REPORTS)/allure-results --out $(REPORTS)/html

# Debian's chromium package (root runs apt-get itself, anyone else through sudo); nothing when present.
browser:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }

# Lint of the whole tree, types of the package (settings in pyproject.toml); the first step of `make test`.
# mypy reads the package through a tree of links (build/typecheck/pnd_conformance) laid out as installed;
# import-linter holds the layers (pyproject.toml [tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python tools/typecheck_tree.py build/typecheck
	cd build/typecheck && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p pnd_conformance
	cd build/typecheck && PYTHONPATH=. ../../$(BIN)/lint-imports ../../pyproject.toml

# Two workers (CI has 2 cores); loadfile keeps the mutant runs (their own pool of 2) in one worker.
# The self-tests never write into reports/: their outputs (scores, the reports of their runs) go to
# PND_SELFTEST_DIR (tests/outputs.py; default a new temporary directory, printed at the end).
test: lint $(NODE_STAMP) browser
	$(BIN)/python -m pytest tests -n 2 --dist loadfile $(PYTEST_ARGS)

sandbox: $(STAMP)
	$(BIN)/pnd-conformance sandbox --host 127.0.0.1 --port 8765

# Re-pin after editing pyproject.toml dependencies.
lock:
	$(PY) -m pip install --quiet uv && $(PY) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info reports/allure-results reports/html
