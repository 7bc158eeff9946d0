# Two commands do all set-up on a fresh machine:
#   make book   -> .venv, install, execute the chapters, build _build/html
#   make test   -> same set-up, unit tests, every notebook through nbmake (quick profile), book build,
#                  then the browser test of the built pages and the one of the live explorers in
#                  JupyterLab (need Debian's chromium + chromium-driver; .ci/run installs them, make
#                  never installs system packages)
#   make lab    -> JupyterLab on the chapters (book/), saving them without outputs
#   make lock   -> regenerate constraints.txt, the lock file every install above uses
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.gklib-installed
# The lock file: every package `make book`/`make test` install, at the version CI last passed with
# (pip-tools' pip-compile from pyproject.toml; `make lock` regenerates it). Installs use it as pip
# constraints, so a fresh clone resolves exactly these versions, whatever PyPI serves today.
LOCK   := constraints.txt
PIP_INSTALL := $(BIN)/pip install --disable-pip-version-check -q -c $(LOCK)
# Progress bars would end up in the executed notebooks; keep them out of builds. (gklib also turns
# them off, and its live explorers into placeholders, in any headless execution: gklib.config.)
export GKLIB_PROGRESS ?= 0
# Real MNIST digits for offline runs (CI has no network): the project's shared data folder.
export GKLIB_DATA ?= $(abspath ../shared/data/mnist)

# nbmake skips any path with a "_build" part, so the executed copies live outside _build/.
TESTSRC ?= _testbook
NOTEBOOKS := $(wildcard book/*.ipynb)

# Per-cell time limits: a stalled cell fails within minutes, a slow machine still passes. The
# slowest cell (ch 5's App 14 weight-decay sweep) takes about 120 s of CPU in the book profile and
# 100 s in the quick one, 2-3x that on an oversubscribed 2-core machine: 600 s for both, `make book` (_config.yml) and
# nbmake. The paper profile's cells can take hours: its build gets a config with no limit.
NB_TIMEOUT ?= 600
PAPER_CONFIG := _build/_config.paper.yml

.PHONY: all install lock toolchain book test unit notebooks test-book chromium browser lab-browser paper-smoke lab clean
# The steps of `make test` share _testbook and must run in order, even under `make -j`.
.NOTPARALLEL:

all: book

$(STAMP): pyproject.toml $(LOCK) Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first, pinned: the CPU build pip finds on these machines (never a CUDA build).
	$(PIP_INSTALL) "torch==2.13.0"
	$(PIP_INSTALL) -e ".[book,test]"
	$(BIN)/python -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	touch $(STAMP)

install: $(STAMP)

# Regenerate the lock file from pyproject.toml with pip-tools (in a venv of its own, .venv-lock),
# for the Python that builds .venv: versions already locked stay unless pyproject.toml needs others;
# `make lock LOCK_ARGS=--upgrade` moves every package to the newest allowed. After it: make test,
# then commit constraints.txt with the change.
LOCK_VENV := .venv-lock
LOCK_ARGS ?=
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_VENV) && \
	    $(LOCK_VENV)/bin/pip install --disable-pip-version-check -q pip-tools)
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_ARGS) --extra book --extra test --strip-extras --allow-unsafe \
	    --no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml
	@echo "$(LOCK) regenerated: run make test, then commit it"

# The versions of the tool chain this build uses (Python packages of the book and of JupyterLab,
# Chromium and its driver: Debian's, which no lock file pins), printed at the start of make test.
toolchain: $(STAMP)
	$(BIN)/python book/_ext/gklib_toolchain.py

# Execute every chapter (jupyter-cache: unchanged notebooks are not re-run) and build the HTML.
book: $(STAMP)
ifeq ($(GKLIB_PROFILE),paper)
	mkdir -p _build && sed 's/^\(\s*timeout:\).*/\1 -1/' _config.yml > $(PAPER_CONFIG)
	$(BIN)/jupyter-book build . -W -n --keep-going --config $(PAPER_CONFIG)
else
	$(BIN)/jupyter-book build . -W -n --keep-going
endif
	@echo "Book written to _build/html/index.html"

# Unit tests, then every notebook once through nbmake in the quick profile (executed copies
# are written to $(TESTSRC), never over the committed sources), then an HTML build of those
# executed copies with warnings as errors, then the browser test of that build, then the browser
# test of the live explorers in JupyterLab.
test: $(STAMP) toolchain unit notebooks test-book browser lab-browser

# The unit tests, then the Examples of gklib's docstrings as doctests.
unit: $(STAMP)
	$(BIN)/pytest tests -q -p no:cacheprovider
	$(BIN)/pytest --doctest-modules gklib -q -p no:cacheprovider

notebooks: $(STAMP)
	rm -rf $(TESTSRC) && mkdir -p $(TESTSRC)
	cp -r _config.yml _toc.yml book $(TESTSRC)/
	sed -i 's/^\(\s*execute_notebooks:\).*/\1 "off"/' $(TESTSRC)/_config.yml
	cd $(TESTSRC) && GKLIB_PROFILE=quick $(abspath $(BIN))/pytest --nbmake --overwrite \
	    --nbmake-timeout=$(NB_TIMEOUT) -p no:cacheprovider --durations=0 book

test-book: notebooks
	$(BIN)/jupyter-book build $(TESTSRC) -W -n --keep-going
	@echo "Test book written to $(TESTSRC)/_build/html/index.html"

# Headless Chromium for the browser test: Debian's packages, installed by .ci/run (CI) or by hand
# (`sudo apt-get install chromium chromium-driver`); make itself installs no system package.
CHROMIUM     := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver

HAVE_CHROMIUM := $(shell [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ] && echo yes)

# Without Chromium the browser tests are skipped loudly (make test still runs everything else);
# under CI (CI set, .ci/run installs Chromium first) a missing browser is an error.
chromium:
	@if [ "$(HAVE_CHROMIUM)" != yes ]; then \
	    echo "#####################################################################################"; \
	    echo "# BROWSER TEST SKIPPED: it needs Debian's chromium and chromium-driver"; \
	    echo "#   ($(CHROMIUM), $(CHROMEDRIVER)). Install them with"; \
	    echo "#   sudo apt-get install chromium chromium-driver   and run: make browser"; \
	    echo "#####################################################################################"; \
	    if [ -n "$$CI" ]; then exit 1; fi; \
	fi
	@if [ "$(HAVE_CHROMIUM)" = yes ]; then $(CHROMIUM) --version; $(CHROMEDRIVER) --version; fi

# Every chapter page of the built test book in headless Chromium: loads offline without console
# errors, images and math render, and a static slider changes its figure (tests_browser/, which
# `pytest tests` does not collect). Run after test-book (or: make browser TESTSRC=<built folder>).
browser: $(STAMP) chromium
	$(if $(HAVE_CHROMIUM),,@exit 0;) GKLIB_BOOK_HTML=$(abspath $(TESTSRC))/_build/html \
	    GKLIB_BOOK_PROFILE=$(if $(filter .,$(TESTSRC)),$(or $(GKLIB_PROFILE),book),quick) \
	    $(BIN)/pytest tests_browser/test_book_pages.py -q -p no:cacheprovider --durations=0

# The live explorers in JupyterLab, in headless Chromium: a JupyterLab server of its own (free local
# port, quick profile, the settings of `make lab`) on a temporary notebook that builds every explorer
# at tiny sizes; moves every slider by keyboard and by mouse, checks MyST rendering, the static
# slider's arrow keys and that saving writes no outputs; then runs the introduction in Lab, saves it
# and compares it byte for byte with the committed source (~1-2 min). Without Chromium: skipped
# loudly, as the browser test (an error under CI). Run on its own: make lab-browser.
lab-browser: $(STAMP) chromium
	$(if $(HAVE_CHROMIUM),,@exit 0;) $(BIN)/pytest tests_browser/test_lab_explorers.py tests_browser/test_lab_markdown.py -q -p no:cacheprovider \
	    --durations=0

# CPU smoke run of the paper profile (not part of `test`): every chapter without its hidden asserts,
# GKLIB_PROFILE=paper with training capped at GKLIB_SMOKE_STEPS steps; ~5 min on one core.
# Options: make paper-smoke SMOKE_ARGS="--chapters 03 05 --steps 5"
paper-smoke: $(STAMP)
	$(BIN)/python benchmarks/paper_smoke.py $(SMOKE_ARGS)

# JupyterLab on the chapters themselves (book/), opening the Explorers page (every chapter's live explorer,
# ready in a few seconds): lab/jupyter_server_config.py drops outputs, execution
# counts and widget state whenever a notebook is saved, so running and saving chapters leaves
# `git status` clean and edits to the cells are saved as usual. Progress bars on (a person is at it);
# jupyterlab-myst renders the MyST markdown. As root (containers) Jupyter needs --allow-root.
LAB_ARGS ?=
lab: $(STAMP)
	GKLIB_PROGRESS= $(BIN)/jupyter lab --config=$(abspath lab/jupyter_server_config.py) \
	    --ServerApp.root_dir=$(abspath book) --LabApp.default_url=/lab/tree/explorers.ipynb $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

clean:
	rm -rf _build $(TESTSRC) .jupyter_cache .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
	find book -name .ipynb_checkpoints -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(LOCK_VENV) *.egg-info
