# AI Pair Orchestrator — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test check format bench eval clean system-deps

$(UV):
	$(PY) -m pip install --quiet --user uv || $(PY) -m pip install --quiet uv

install: $(VENV)/.installed ## set up .venv with the locked dependencies (nothing else)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

system-deps: ## Debian packages the test suite drives for real (redis-server, wrk, pgbouncer, chromium)
	@bash scripts/system-deps.sh

run: install ## migrate, initialise, and serve the API with a worker for background jobs
	$(BIN)/aipair db upgrade
	$(BIN)/aipair init
	$(BIN)/aipair serve --with-worker

test: install system-deps ## the whole suite
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

check: install ## ruff lint + format check, mypy --strict, the import contracts (docs/architecture.md)
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix src tests bench migrations
	$(BIN)/ruff format src tests bench migrations

bench: install system-deps ## reproducible benchmarks (PRODUCT.md section 7)
	$(BIN)/python -m bench

eval: install ## quality of the meeting minutes on the evaluation set (docs/meetings.md)
	$(BIN)/python -m bench.minutes_eval

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
