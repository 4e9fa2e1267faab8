# The two commands a newcomer needs: `make run` (local stack) and `make test` (every suite).
# Both install what they need into .venv first, from nothing. `make` alone lists every target.
#
# Each target's `## ` comment is its line in `make help`: what it does, then [how long it takes]
# on the reference machine: 2 cores, measured from a fresh clone with other work running (load
# average 2–6); a quiet machine is faster. "first" includes installing what the target needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist: one worker process per core (each with its own moto and its own local stack); a
# test file runs whole on one worker, so its module fixtures (a stack, a summary line) exist once.
PYTEST_WORKERS ?= auto
PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile
# Bytecode caches (__pycache__, gitignored; the layer's build leaves them out) spare every worker
# and every subprocess the suites start from compiling the same sources again, even where the
# environment turns them off (PYTHONDONTWRITEBYTECODE).
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

.DEFAULT_GOAL := help
.PHONY: help install run test unit lint format clean

help: ## this list (also plain `make`) [instant]
	@echo "make <target>   [time on a busy 2-core machine; 'first' includes installing what it needs]"
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-z0-9_-]+:[^#]*## / { printf "  %-10s %s\n", $$1, $$2 }' \
		$(MAKEFILE_LIST)

$(STAMP): pyproject.toml requirements-dev.txt layers/voip_core/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install: $(STAMP) ## .venv with the pinned tools and this code (editable) [first 1–2.5 min, then instant]

# The local stack in the foreground (API on ${PORT:-3000}, DynamoDB on ${DYNAMODB_PORT:-8000}).
run: install ## the local stack: API on :3000, DynamoDB on :8000 [ready ~5 s after install]
	$(BIN)/python -m voip_local

test: install ## every suite, on all cores (node packages on first run) [~4 min; 5 when busy]
	$(PYTEST) $(PARALLEL)

unit: install ## the unit suite only [~2 min]
	$(PYTEST) $(PARALLEL) tests/unit

lint: install ## ruff check, ruff format --check, mypy [20 s first, then 2 s]
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install ## ruff's fixes and formatting, in place [1 s]
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## remove .venv, .venv313, .tools, .aws-sam and the caches [instant]
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

tools: $(TOOLS_STAMP) ## the SAM CLI and cfn-lint, in .tools/ (for build, validate) [~45 s, once]

# .aws-sam/build: the layer from layers/voip_core/Makefile (arm64 CPython 3.13 wheels, 3.13 bytecode
# when a python3.13 is here), the function's folder as it is.
build: tools ## sam build: layer (arm64, 3.13 wheels) and function in .aws-sam/build [~15 s + tools]
	time $(SAM) build

# Offline: `sam validate --lint` needs a region but no credentials; cfn-lint adds the serverless rules;
# then what SAM generates (CodeDeploy's alias update, tags) is checked with the same translator.
validate: tools ## sam validate --lint, cfn-lint and SAM's generated output, offline [~10 s + tools]
	$(SAM) validate --lint --region us-east-1
	$(TOOLS_BIN)/cfn-lint --template template.yaml --append-rules cfn_lint_serverless.rules
	$(TOOLS_BIN)/python tests/template/transformed_check.py

# The built artifacts' test, which fails (rather than skips) when there is no build to inspect.
artifacts: install ## test what make build produced (fails without a build) [~20 s]
	VOIP_REQUIRE_BUILD=1 $(PYTEST) tests/packaging

$(STAMP313): pyproject.toml requirements-dev.txt layers/voip_core/requirements.txt
	$(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The unit suite again on the runtime's Python (3.13), in its own venv.
unit313: ## the unit suite on Python 3.13 (Lambda's), in .venv313 [first ~3 min, then ~2 min]
ifeq ($(PYTHON313),)
	@echo "unit313: SKIPPED: no Python 3.13 here (not on PATH, not in pyenv); set PYTHON313=/path/to/python3.13"
else
	$(MAKE) $(STAMP313)
	PYTHONDONTWRITEBYTECODE= $(VENV313)/bin/python -m pytest $(PARALLEL) tests/unit
endif

# Round trips, cold start, CPU per request, the local stack under load and cost, side by side with
# their baselines: prints the table, writes bench/results.json (a few minutes; not part of `test`).
# Cold start and CPU run on the Lambda runtime's Python (3.13) when there is one here.
.PHONY: bench
bench: install ## measurements vs baselines: the table, bench/results.json [~12 min]
ifeq ($(PYTHON313),)
	$(BIN)/python -m bench.run
else
	$(MAKE) $(STAMP313)
	$(BIN)/python -m bench.run --runtime-python $(VENV313)/bin/python
endif

# import-rocketchat on generated exports of 20,000 and 200,000 callers, each into a moto server of
# its own: time, the importer's peak RSS and CPU, the server's CPU (docs/performance.md).
.PHONY: bench-import
bench-import: install ## import-rocketchat: time and peak RSS at 20k and 200k callers [~18 min]
	$(BIN)/python -m bench.import_rocketchat --visitors 20000 200000
