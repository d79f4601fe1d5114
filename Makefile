# The two commands: `make report` and `make test`. Both create ./.venv when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BENCH := $(VENV)/.installed-bench
SCALES ?= 100k,300k,1m
OUT ?= report

.PHONY: report test notebooks bench sample clean help

help:
	@echo "make report     set up .venv and write the report on the bundled sample to $(OUT)/"
	@echo "make test       set up .venv with the test extras and run the whole test suite"
	@echo "make notebooks  re-execute the notebooks and store their outputs (bundled sample only)"
	@echo "make bench      speed benchmark against peers (SCALES=100k,300k,1m) -> benchmarks/results/"
	@echo "make sample     regenerate the bundled sample data"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(STAMP_RUN)

report: $(STAMP_RUN)
	$(BIN)/csanalysis report --sample --out $(OUT)

test: $(STAMP_TEST)
	$(BIN)/python -m pytest

$(STAMP_BENCH): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $@ $(STAMP_RUN)

bench: $(STAMP_BENCH)
	$(BIN)/python benchmarks/run.py --scales $(SCALES)

notebooks: $(STAMP_TEST)
	$(BIN)/python notebooks/run.py

sample: $(STAMP_RUN)
	$(BIN)/python -m csanalysis.datasets.generate csanalysis/datasets/sample

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache build dist *.egg-info
