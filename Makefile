# medcite: `make demo` sets up and runs the main job offline; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FHIR_VENV := .venv-fhir
STAMP  := $(VENV)/.installed-stamp
FHIR_STAMP := $(FHIR_VENV)/.installed-stamp
DEMO_BUNDLE ?= examples/synthea/Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json
DEMO_OUT ?= out/demo

SHARED_DATA ?= ../shared/data

.PHONY: setup demo test lint bench corpus clean

# llama-cpp-python compiles llama.cpp from source. Its default (GGML_NATIVE=ON) targets the build machine's
# CPU: on a machine with Intel AMX that build segfaults (llama.cpp #20824), and anywhere it may not run
# on another CPU. The portable build (AVX2/FMA/F16C baseline, no AMX or AVX-512 kernels) is made once
# into .cache/wheels (the flags are part of the folder name) and installed before everything else.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLAMA_WHEELS := .cache/wheels/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(shell echo '$(LLAMA_CMAKE_ARGS)' | cksum | cut -d' ' -f1)
LLAMA_WHEEL = $(wildcard $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	test -n "$(LLAMA_WHEEL)" || CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip wheel -q --no-cache-dir \
	  --no-deps -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION)
	$(BIN)/python -m pip install -q --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(BIN)/python -m pip install -e '.[all,test,dev]'
	touch $@

# The test FHIR server (sekmet-fhir) lives in its own venv so its dependencies never meet ours.
$(FHIR_STAMP):
	$(PYTHON) -m venv $(FHIR_VENV)
	$(FHIR_VENV)/bin/python -m pip install -q --upgrade pip
	$(FHIR_VENV)/bin/python -m pip install -q sekmet-fhir==0.1.1
	touch $@

setup: $(STAMP)

demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/medcite summarize $(DEMO_BUNDLE) --out $(DEMO_OUT)
	cat $(DEMO_OUT)/summary.md

test: $(STAMP) $(FHIR_STAMP)
	HF_HUB_OFFLINE=1 MEDCITE_FHIR_SERVER_PYTHON=$(CURDIR)/$(FHIR_VENV)/bin/python \
	  $(BIN)/python -m pytest -q tests; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

# Lint (ruff), the import contract (lint-imports) and type checks (mypy, strict on core and agent).
lint: $(STAMP)
	bash .ci/typecheck-tree
	$(BIN)/ruff check medcite agent tools corpora evals tests benchmarks
	cd build/typecheck && PYTHONPATH=. $(CURDIR)/$(BIN)/lint-imports --config $(CURDIR)/pyproject.toml --no-cache
	$(BIN)/mypy

# Rebuild the shipped guideline corpus and its MiniLM vectors from the source files (only changed
# passages are embedded; EMBED_ALL=1 embeds all of them).
corpus: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m medcite.corpora.convert $(SHARED_DATA)/guidelines $(if $(EMBED_ALL),--embed-all)

bench: $(STAMP)
	for s in benchmarks/bench_*.py; do HF_HUB_OFFLINE=1 $(BIN)/python $$s || exit 1; done

clean:
	rm -rf $(VENV) $(FHIR_VENV) build .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
