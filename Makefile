# The two commands a newcomer needs: `make run` (local stack) and `make test` (every suite).
# Both install what they need into .venv first, from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test unit lint format clean

$(STAMP): pyproject.toml requirements-dev.txt layers/voip_core/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install: $(STAMP)

# The local stack in the foreground (API on ${PORT:-3000}, DynamoDB on ${DYNAMODB_PORT:-8000}).
run: install
	$(BIN)/python -m voip_local

test: install
	$(BIN)/python -m pytest

unit: install
	$(BIN)/python -m pytest tests/unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis .tools .venv313

# ---- Build and template checks (no Docker, no AWS credentials) --------------------------------
# The SAM CLI and cfn-lint live in their own venv, .tools/: their dependency tree must not move
# .venv's pins. `make build` installs them on first use.
TOOLS := .tools
TOOLS_BIN := $(TOOLS)/bin
TOOLS_STAMP := $(TOOLS)/.installed
SAM := SAM_CLI_TELEMETRY=0 $(TOOLS_BIN)/sam
# The Lambda runtime's Python, for the second unit run: PYTHON313 if set; else `python3.13` on
# PATH; else a pyenv 3.13 (pyenv's shim answers only while a 3.13 is a selected version).
ifndef PYTHON313
PYTHON313 := $(shell for candidate in python3.13 $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13; do \
	if "$$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then \
	command -v "$$candidate"; break; fi; done)
endif
VENV313 := .venv313
STAMP313 := $(VENV313)/.installed

.PHONY: tools build validate unit313 artifacts

$(TOOLS_STAMP): requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS_BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(TOOLS_BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	touch $@

tools: $(TOOLS_STAMP)

# .aws-sam/build: the layer from layers/voip_core/Makefile (arm64 CPython 3.13 wheels, 3.13 bytecode
# when a python3.13 is here), the function's folder as it is.
build: tools
	time $(SAM) build

# Offline: `sam validate --lint` needs a region but no credentials; cfn-lint adds the serverless rules;
# then what SAM generates (CodeDeploy's alias update, tags) is checked with the same translator.
validate: tools
	$(SAM) validate --lint --region us-east-1
	$(TOOLS_BIN)/cfn-lint --template template.yaml --append-rules cfn_lint_serverless.rules
	$(TOOLS_BIN)/python tests/template/transformed_check.py

# The built artifacts' test, which fails (rather than skips) when there is no build to inspect.
artifacts: install
	VOIP_REQUIRE_BUILD=1 $(BIN)/python -m pytest tests/packaging

$(STAMP313): pyproject.toml requirements-dev.txt layers/voip_core/requirements.txt
	$(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The unit suite again on the runtime's Python (3.13), in its own venv.
unit313:
ifeq ($(PYTHON313),)
	@echo "unit313: SKIPPED: no Python 3.13 here (not on PATH, not in pyenv); set PYTHON313=/path/to/python3.13"
else
	$(MAKE) $(STAMP313)
	$(VENV313)/bin/python -m pytest tests/unit
endif

# Round trips, cold start, CPU per request, the local stack under load and cost, side by side with
# their baselines: prints the table, writes bench/results.json (a few minutes; not part of `test`).
# Cold start and CPU run on the Lambda runtime's Python (3.13) when there is one here.
.PHONY: bench
bench: install
ifeq ($(PYTHON313),)
	$(BIN)/python -m bench.run
else
	$(MAKE) $(STAMP313)
	$(BIN)/python -m bench.run --runtime-python $(VENV313)/bin/python
endif
