# Everything runs inside .venv, created on first use. Each target installs only what it needs:
# demo the package, test adds the dev extra (pytest, the real Keras, onnx), bench adds PyTorch and LightGBM.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HASH := $(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test bench bench-quick bench-accuracy clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.base-$(HASH): $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-$(HASH): $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.bench-$(HASH): $(PY)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

demo: $(VENV)/.base-$(HASH)
	MPLBACKEND=Agg $(VENV)/bin/twoclass demo circles --out demo-output

test: $(VENV)/.dev-$(HASH)
	MPLBACKEND=Agg $(PY) -m pytest

bench: $(VENV)/.bench-$(HASH)
	$(PY) -m benchmarks.speed

bench-quick: $(VENV)/.bench-$(HASH)
	$(PY) -m benchmarks.speed --quick

bench-accuracy: $(VENV)/.bench-$(HASH)
	$(PY) -m benchmarks.accuracy

clean:
	rm -rf $(VENV) demo-output .pytest_cache
