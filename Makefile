# convlib course — `make lab` and `make test` are the two commands a new user needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.convlib-installed
# install, lab, test and execute are tools/course.py (the same code Windows users run without make).
# PyTorch comes from its CPU wheel index; `make install TORCH_INDEX=https://download.pytorch.org/whl/cu126`
# (or TORCH_INDEX=none, or TORCH_REQUIREMENT=...) chooses another build — see tools/course.py.
COURSE := $(PYTHON) tools/course.py --venv $(VENV)
export TORCH_INDEX TORCH_REQUIREMENT
SANITIZE  := tests/nbval_sanitize.cfg
JOBS   ?= 2

.PHONY: help install lab test unit nbval execute bench mutate clean chrome slides gifs memory browser figures

help:
	@echo "make install  create .venv/: PyTorch (CPU build, TORCH_INDEX=... for another), then convlib[all]"
	@echo "make lab      install if needed, then open JupyterLab on notebooks/"
	@echo "make test     install if needed, then run unit, property and notebook (nbval) tests"
	@echo "make execute  re-execute every notebook in place, each in a fresh kernel, then normalize it"
	@echo "make bench    benchmarks: convlib time / torch time, measured in the same run"
	@echo "make mutate   mutation testing of the numeric core (mutmut; slow, not part of make test)"
	@echo "make clean    remove build outputs (never notebooks or your files)"
	@echo "make slides   build/slides/: one offline reveal.js deck per notebook + index.html"
	@echo "make chrome   rewrite every notebook's Binder badge, prev/next links, the index's corrections table; normalize"
	@echo "make gifs     build/gifs/: the classic conv_arithmetic animations, regenerated from parameters"
	@echo "make figures  build/figures/: every figure of the course as PNG (1280x720) and SVG, with an index"
	@echo "make memory   execute each notebook and report its kernel's peak memory (Binder cap: 2 GB)"
	@echo "make browser  only the real-browser tests (JupyterLab and the decks in Debian's Chromium)"

# The virtual environment: PyTorch's CPU build first (exact pin, from PyTorch's CPU index), then
# convlib in editable mode with its extras. The stamp is re-made only when pyproject.toml changes;
# `make install` always asks tools/course.py, which also reinstalls torch when TORCH_INDEX changed.
$(STAMP): pyproject.toml
	$(COURSE) install

install:
	$(COURSE) install

# (tools/course.py passes --allow-root to JupyterLab when run as root: containers, CI)
lab: $(STAMP)
	$(COURSE) lab

test: $(STAMP)
	$(COURSE) test --jobs $(JOBS)

unit: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope tests convlib

nbval: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope \
	  --nbval --nbval-current-env --nbval-sanitize-with $(SANITIZE) notebooks

# Each notebook in a fresh kernel, then into normal form (tools/nbnormal.py): no timestamps, stable
# widget ids, what JupyterLab writes on save — so re-executing an unchanged course changes no file.
execute: $(STAMP)
	$(COURSE) execute

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do $(BIN)/python "$$b" || exit 1; done

# Mutation testing of the numeric core (configured in pyproject.toml, [tool.mutmut]): a benchmark of the
# tests, not a test -- it takes tens of minutes and is never part of `make test`. Prints the score and the
# surviving mutants (inspect one with `.venv/bin/mutmut show NAME`).
# mutmut is installed here only (Binder and `make test` never need it); exact pin, no torch among its dependencies.
MUTMUT := mutmut==3.8.1

mutate: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check '$(MUTMUT)'
	rm -rf mutants
	HYPOTHESIS_PROFILE=mutate $(BIN)/mutmut run --max-children $(JOBS)
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	  print('mutation score:', s['killed'], 'killed /', s['killed'] + s['survived'], 'killed or survived;', s)"
	$(BIN)/mutmut results

# Generated notebook chrome (Binder badge, prev/next) and the index's table of corrections.
chrome: $(STAMP)
	$(BIN)/python tools/chrome.py
	$(BIN)/python tools/corrections.py
	$(BIN)/python tools/nbnormal.py
	$(BIN)/python tools/readme_figure.py

slides: $(STAMP)
	$(BIN)/python tools/slides/build.py

gifs: $(STAMP)
	$(BIN)/python -c "import convlib.anim as a; print(len(a.save_classic_set('build/gifs')), 'GIFs in build/gifs/')"

# Every figure of the chapters (executed, captured, exported) + index; FIGURES_FLAGS=--audit adds the
# figure-standard audit (build/figures/audit.md).
figures: $(STAMP)
	$(BIN)/python tools/figures.py --jobs $(JOBS) $(FIGURES_FLAGS)

memory: $(STAMP)
	$(BIN)/python tools/peak_memory.py --json build/peak_memory.json

browser: $(STAMP)
	$(BIN)/python -m pytest -n 0 -m browser tests/browser

clean:
	rm -rf build dist *.egg-info convlib.egg-info .pytest_cache .hypothesis tools/slides/node_modules mutants
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	find notebooks -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
