# Bessemer: `make demo` installs and runs the demo; `make test` installs and runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: install install-test install-bench demo test lint bench-cmapss bench-tep bench-process-speed bench-steel-energy bench-quality bench-ingest bench-battery clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or run make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
	@echo "installed: $(BIN)/bessemer"

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/bessemer demo

test: install-test
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: install-test
	$(BIN)/ruff check src tests benchmarks

bench-tep: install
	$(BIN)/bessemer bench tep

install-bench: install
	$(BIN)/pip install -q -e '.[bench]'

bench-process-speed: install-bench
	$(BIN)/python benchmarks/process_speed.py

STEEL_ENERGY ?= ../shared/data/steel_energy_uci/Steel_industry_data.csv
bench-steel-energy: install
	$(BIN)/bessemer bench steel-energy --train $(STEEL_ENERGY) --test $(STEEL_ENERGY) --split 2018-08-01

# the quality benchmarks on a described split of the shared files (seed 0, a quarter of each set held out)
DATA        ?= ../shared/data
QUALITY_OUT ?= .bessemer/quality-splits
bench-quality: install
	$(BIN)/python benchmarks/quality_splits.py --data $(DATA) --out $(QUALITY_OUT) --seed 0 --test-fraction 0.25
	$(BIN)/bessemer bench plates --train $(QUALITY_OUT)/plates/train.NNA --test $(QUALITY_OUT)/plates/test.NNA
	$(BIN)/bessemer bench ai4i --train $(QUALITY_OUT)/ai4i/train.csv --test $(QUALITY_OUT)/ai4i/test.csv
	$(BIN)/bessemer bench secom --train $(QUALITY_OUT)/secom/train --test $(QUALITY_OUT)/secom/test
	$(BIN)/bessemer bench neu --train $(QUALITY_OUT)/neu/train --test $(QUALITY_OUT)/neu/test --plot $(QUALITY_OUT)/neu-confusion.svg

# PostgreSQL on 127.0.0.1:5432 and Mosquitto on 1883 (see README); keys duckdb_rows_s ... api_p99_ms
bench-ingest: install
	$(BIN)/bessemer bench ingest --json

# leave-one-cell-out over the NASA discharge-CSV cells, then over the .mat cells
bench-battery: install
	$(BIN)/python benchmarks/battery_loco.py --data $(DATA)/nasa_battery
	$(BIN)/python benchmarks/battery_loco.py --data $(DATA)/nasa_battery --mat
	$(BIN)/python benchmarks/battery_incell.py --data $(DATA)/nasa_battery

bench-cmapss: install
	$(BIN)/bessemer bench cmapss --subset FD001
	$(BIN)/bessemer bench cmapss --subset FD003

clean:
	rm -rf $(VENV) .bessemer build dist src/*.egg-info
