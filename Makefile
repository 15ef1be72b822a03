# The README's two commands: `make lab` and `make test`. Both build .venv/ when it is missing.
# nbgrader shells out to `alembic` by name, so every recipe runs with .venv/bin first on PATH.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
LITE_VENV  := build/lite-venv
LITE_STAMP := $(LITE_VENV)/.installed
export PATH := $(BIN):$(PATH)

PORT     ?= 8888
LAB_ARGS ?=
# JupyterLab refuses to run as root without --allow-root; add it only when we are root.
ROOT_FLAG    := $(if $(filter 0,$(shell id -u)),--allow-root,)
# No display (a server, CI, a container): do not try to open a browser.
BROWSER_FLAG := $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser)
# pytest workers: the suite's files are spread over all cores (one kernel per file at a time).
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
TEST_ARGS ?=

.PHONY: lab test venv system-deps clean site

# the course's formgrader panel is enabled like nbgrader's formgrader: a file in the venv's
# etc/jupyter/jupyter_server_config.d (pyproject's data-files; an editable install skips those)
SERVER_EXT := course/term/jupyter_server_config.d/course.term.formgrader.json

$(STAMP): pyproject.toml $(SERVER_EXT)
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e .
	install -D -m 644 $(SERVER_EXT) $(VENV)/etc/jupyter/jupyter_server_config.d/course.term.formgrader.json
	@touch $(STAMP)

venv: $(STAMP)

## make lab: open JupyterLab on the course (lectures/ and exercises/); PORT=, LAB_ARGS= override
lab: $(STAMP)
	jupyter lab --ServerApp.root_dir="$(CURDIR)" --port=$(PORT) $(ROOT_FLAG) $(BROWSER_FLAG) $(LAB_ARGS)

## make test: the whole suite (package, notebooks, grading round trip, browser, website).
## Each lecture is executed once per run (tests/site_helpers.py), shared by the notebook
## check (tests/test_site_lectures.py, nbval's comparison) and the website's build.
test: $(STAMP) system-deps $(NODE_STAMP) $(LITE_STAMP)
	python -m pytest -n $(JOBS) --dist loadfile $(TEST_ARGS)

## browser files the website serves itself (package.json, package-lock.json)
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: apt-get install npm (make system-deps does it as root)" >&2; exit 1; }
	npm ci --no-fund --no-audit --ignore-scripts --silent
	@touch $(NODE_STAMP)

## JupyterLite's build tools, apart from the course's venv (book/lite-requirements.txt says why)
$(LITE_STAMP): book/lite-requirements.txt
	@test -x $(LITE_VENV)/bin/python || $(PYTHON) -m venv $(LITE_VENV)
	$(LITE_VENV)/bin/python -m pip install --quiet -r book/lite-requirements.txt
	@touch $(LITE_STAMP)

## make site: the course website in site/ (README "The course as a website")
site: $(STAMP) $(NODE_STAMP) $(LITE_STAMP)
	python -m book.build

## system packages the tests drive (bubblewrap, chromium, postgresql); installed when missing
system-deps:
	@bash .ci/system-deps

clean:
	rm -rf $(VENV) submitted autograded feedback gradebook.db .pytest_cache .hypothesis site node_modules build/site-cache build/lite-wheels $(LITE_VENV)
