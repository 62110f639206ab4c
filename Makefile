# Everyday verbs of the project. Every target bootstraps .venv/ itself from uv.lock.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced
CHECKOV_VENV := .venv-checkov
PORT ?= 3000
REHEARSE_ENV ?= dev

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install run test unit integration bdd lint format typecheck security iac-scan bench openapi package verify rehearse rehearse-break clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.12 is required" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --python $(BIN)/python
	@touch $@

install: $(STAMP) ## Create .venv/ from the lock file

run: $(STAMP) ## Start the local stack on 127.0.0.1:$(PORT), state kept in .bbws/local (FRESH=1: start empty)
	$(BIN)/bbws local run --port $(PORT)$(if $(filter-out 0 no false,$(FRESH)), --fresh)

# The coverage gate belongs to the whole suite (here and in CI); a subset run with plain `pytest`
# has no gate and passes when its tests pass (tests/unit/test_coverage_gate.py).
COVERAGE := --cov=bbws --cov-report=term-missing:skip-covered --cov-fail-under=90

test: $(STAMP) $(CHECKOV_VENV)/.synced ## Run the whole test suite (unit, handlers, BDD, integration, IaC, contract), 90 % coverage gate
	$(BIN)/pytest -n auto $(COVERAGE)

unit: $(STAMP) ## Unit and handler tests only (fast)
	$(BIN)/pytest -m "not integration" --no-cov

integration: $(STAMP) ## Tests that start the local stack over HTTP
	$(BIN)/pytest -m integration --no-cov

lint: $(STAMP) iac-scan ## ruff (style + security rules), mypy, terraform fmt, checkov
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/bbws
	@if command -v terraform >/dev/null 2>&1 && [ -d infra/terraform ]; then terraform fmt -check -recursive infra/terraform; fi

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

$(CHECKOV_VENV)/.synced: tools/checkov/pyproject.toml tools/checkov/uv.lock | $(UV)
	cd tools/checkov && UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(CHECKOV_VENV) $(CURDIR)/$(UV) sync --frozen --python $(CURDIR)/$(BIN)/python
	@touch $@

iac-scan: $(CHECKOV_VENV)/.synced ## checkov on infra/terraform (0 failed checks)
	@if [ -d infra/terraform ]; then $(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download -d infra/terraform --framework terraform; fi

bench: $(STAMP) ## Cold start, warm overhead, DynamoDB call counts -> bench/results.json
	$(BIN)/python -m bench

openapi: $(STAMP) ## Regenerate openapi/<service>.json from the code
	$(BIN)/bbws openapi --out openapi

package: $(STAMP) ## One verified zip per function into dist/ with dist/manifest.json
	$(BIN)/bbws package --out dist

verify: $(STAMP) ## Re-check the artifacts in dist/
	$(BIN)/bbws verify dist

rehearse: $(STAMP) ## Apply an environment's real Terraform (REHEARSE_ENV=dev) to the local emulator: check, deploy, release, destroy
	$(BIN)/bbws rehearse --env $(REHEARSE_ENV)

rehearse-break: $(STAMP) ## The rehearsal of a Terraform-only break (a misspelt handler) fails naming the function (minutes)
	BBWS_REHEARSAL_TESTS=1 $(BIN)/pytest tests/delivery/rehearsal/test_deliberate_break.py --no-cov -n 0

clean: ## Remove virtual environments, caches and build output
	rm -rf $(VENV) $(CHECKOV_VENV) dist .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
