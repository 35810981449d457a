# Reverse Mentoring Coach: the two set-up commands are `make run` and `make test`.
# Both create .venv when missing and reinstall only when pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2

.PHONY: run test lint typecheck pytest index eval eval-gate bench fit fit-check browser postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

# Ingest is idempotent: unchanged documents are read and hashed but never re-embedded.
index: $(STAMP)
	$(BIN)/coach ingest

run: index
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $${PORT:-8501}

# The browser test drives Debian's chromium; install it once if it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The storage tests also run against a throwaway PostgreSQL cluster; install Debian's server once.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check coach tests bench eval app.py app_pages
	$(BIN)/ruff format --check coach tests bench eval app.py app_pages

typecheck: $(STAMP)
	$(BIN)/mypy coach

pytest: $(STAMP) browser postgres
	$(BIN)/pytest

# The full test command: static checks, the test suite, then the eval suite gated
# against the committed baseline (a drop beyond tolerance fails; metrics still below their
# minimum are printed and shown as FAIL in the report).
test: lint typecheck pytest eval-gate

eval-gate: index
	$(BIN)/coach eval --baseline eval/baseline.json --gate regressions --tolerance 0.05 --out eval/reports/latest

# Every minimum and the baseline: non-zero while any metric is below its minimum.
eval: index
	$(BIN)/coach eval --baseline eval/baseline.json --out eval/reports/latest

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/app.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/embeddings.py
	$(BIN)/python bench/coldstart.py
	$(BIN)/python bench/concurrency.py

# Refit the scorer models on the dev split (about 50 minutes on 2 cores), each with its manifest.
# `make fit ONLY=stereotypes` fits one model; `make fit-check` verifies the manifests and writes nothing.
fit: $(STAMP)
	$(BIN)/python -m coach.training fit $(if $(ONLY),--only $(ONLY))

fit-check: $(STAMP)
	$(BIN)/python -m coach.training fit --check

clean:
	rm -rf .coach-data .pytest_cache .mypy_cache .ruff_cache
