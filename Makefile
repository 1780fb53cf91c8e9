# The two commands (see README):  make demo   — install everything, run the main job on demo data
#                                 make test   — lint, type-check and run the tests
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install system-deps demo test lint typecheck pytest dev clean audit

$(UV):
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked
	touch $@

install: .venv/.synced

# System packages the tests use: headless Chromium (review-site browser test) and poppler-utils.
system-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium poppler-utils)

demo: install
	$(UV) run --no-sync analysplan demo

lint: install
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .

typecheck: install
	$(UV) run --no-sync mypy

pytest: install system-deps
	$(UV) run --no-sync pytest

test: system-deps lint typecheck pytest

dev: install
	$(UV) run --no-sync analysplan --help >/dev/null
	$(UV) run --no-sync bash -c 'export DAGSTER_HOME=$${ANALYSPLAN_HOME:-$$PWD/var}/dagster; mkdir -p $$DAGSTER_HOME; \
	  cp -n dagster.yaml $$DAGSTER_HOME/ ; analysplan serve --dagster-port 3000'

# Vulnerability audit of the locked dependencies (needs PyPI's JSON API; see README "Säkerhet och underhåll").
audit: $(UV)
	mkdir -p var
	$(UV) export --frozen --format requirements-txt --all-groups --no-emit-project > var/krav.txt
	$(UV) tool run --from pip-audit==2.10.1 pip-audit -r var/krav.txt --require-hashes --disable-pip --strict

clean:
	rm -rf .venv .tools var
