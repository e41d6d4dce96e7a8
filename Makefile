# Everything runs inside .venv, created on first use. Each target installs only what it needs:
# demo the package, test adds the dev extra (pytest, the real Keras, onnx), bench adds PyTorch and LightGBM.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HASH := $(shell cksum pyproject.toml | cut -d' ' -f1)
comma := ,

.PHONY: demo test lint fuzz system-deps bench bench-quick bench-accuracy bench-independent clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Install the package with the extras in $(1), editable. An editable install leaves the package's modules uncompiled
# (pip byte-compiles only what it copies), and with PYTHONDONTWRITEBYTECODE set Python would compile them again at
# every start: 0.1 s of a 2 s `twoclass train`.
define install
	$(PY) -m pip install --quiet -e '.$(1)'
	$(PY) -m compileall -q src
	touch $@
endef

$(VENV)/.base-$(HASH): $(PY)
	$(call install,)

$(VENV)/.dev-$(HASH): $(PY)
	$(call install,[dev])

$(VENV)/.bench-$(HASH): $(PY)
	$(call install,[dev$(comma)bench])

demo: $(VENV)/.base-$(HASH)
	MPLBACKEND=Agg $(VENV)/bin/twoclass demo circles --out demo-output

# Two processes, each taking whole test files (module fixtures stay in one process): the suite on two cores.
test: $(VENV)/.dev-$(HASH) system-deps
	MPLBACKEND=Agg $(PY) -m pytest -n 2 --dist loadfile

# ruff (lint and format) and the import contracts of the wings (pyproject.toml)
lint: $(VENV)/.dev-$(HASH)
	$(VENV)/bin/ruff check src tests benchmarks examples
	$(VENV)/bin/ruff format --check src tests benchmarks examples
	$(VENV)/bin/lint-imports

# The hypothesis fuzz tests of tests/hardening with many more examples than `make test` runs (profile "fuzz")
fuzz: $(VENV)/.dev-$(HASH)
	TWOCLASS_FUZZ_PROFILE=fuzz TWOCLASS_HARDENING_TALLY=fuzz-tally.json MPLBACKEND=Agg $(PY) -m pytest tests/hardening -k fuzz

# Chromium (the playground's browser tests) and Java (Spark): installed with apt-get when missing
system-deps:
	bash scripts/system-deps.sh

bench: $(VENV)/.bench-$(HASH)
	$(PY) -m benchmarks.speed

bench-quick: $(VENV)/.bench-$(HASH)
	$(PY) -m benchmarks.speed --quick

bench-accuracy: $(VENV)/.bench-$(HASH)
	$(PY) -m benchmarks.accuracy

bench-independent: $(VENV)/.bench-$(HASH)
	$(PY) -m benchmarks.accuracy.independent

clean:
	rm -rf $(VENV) demo-output .pytest_cache
