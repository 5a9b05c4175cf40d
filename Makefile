# Set-up, book and tests. `make book` and `make test` work on a fresh clone with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
JOBS ?= 2

.PHONY: venv book test test-quick exercises check-exercises grade grade-demo bench mutants margins edition system-deps clean

venv: $(INSTALLED)

$(INSTALLED): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .  # the autograder package, `grade-course`
	touch $@

# The oldest TensorFlow/Keras the exercises support (Colab's), in .venv-colab: tests/test_colab_keras.py runs the solutions there.
.PHONY: colab-env
colab-env: .venv-colab/.installed

.venv-colab/.installed: colab-requirements.txt colab-constraints.txt
	test -x .venv-colab/bin/python || $(PYTHON) -m venv .venv-colab
	.venv-colab/bin/python -m pip install --quiet --upgrade pip
	.venv-colab/bin/python -m pip install --quiet -r colab-requirements.txt -c colab-constraints.txt
	touch $@

# The book's notebooks run side by side into the execution cache first (Jupyter Book runs them one
# at a time). Strict: a warning, including an error in any cell not tagged raises-exception, fails the build.
# Then the Korean book, from the same sources and locales/ (it reuses the English build's executed
# notebooks), into _build/html/ko/, with its translation coverage per page.
book: venv
	$(BIN)/python -m autograder execute-book
	$(BIN)/jupyter-book build --warningiserror --keep-going .
	$(BIN)/python -m autograder translations build
	@echo "The book is at file://$(CURDIR)/_build/html/index.html (Korean: _build/html/ko/index.html)"

# Every test, once each: the strict book build executes the chapters; tests/ grades the exercises with
# the real nbgrader (which runs every solution), checks exercises/ against the release, and drives the
# built book in a browser.
test: book system-deps browser-deps colab-env
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --durations=30 tests

# The tier without kernels or a browser: checks, layout, release, collect, intake, structure, report.
test-quick: venv
	$(BIN)/python -m pytest -n $(JOBS) -m "not kernels" --ignore=tests/browser tests

check-exercises: venv
	$(BIN)/python -m autograder check

# The PostgreSQL gradebook tests start a real server: Debian's postgresql package.
# Grading runs student code in a bubblewrap sandbox (autograder/sandbox.py): Debian's bubblewrap.
system-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }
	@test -x /usr/bin/bwrap || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; }

# The browser tests (tests/browser) drive Debian's chromium with Playwright (no browser download),
# use a Korean font for legible screenshots, and inject axe-core, installed from npm at the version
# pinned in tests/browser/package-lock.json.
.PHONY: browser-deps
browser-deps:
	@{ test -x /usr/bin/chromium && fc-list :lang=ko | grep -q .; } || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum; }
	@test tests/browser/node_modules/.package-lock.json -nt tests/browser/package-lock.json || { cd tests/browser && npm ci --no-audit --no-fund --loglevel=error; }

# make grade ASSIGNMENT=01_custom_layers SUBMISSIONS=path/to/folder-or.zip [ARGS="--workers 8"]
grade: venv
	$(BIN)/python -m autograder grade $(ASSIGNMENT) $(SUBMISSIONS) $(ARGS)

# Sample submissions of every assignment, graded; prints where the reports are.
grade-demo: venv
	$(BIN)/python -m autograder demo

bench: venv
	$(BIN)/python -m autograder bench

# make mutants ASSIGNMENT=01_custom_layers [ARGS="--part test_my_dense"]: mutants of the solution that the
# tests do not kill, other than those reviewed in solutions/ASSIGNMENT/equivalent_mutants.txt, fail it.
mutants: venv
	$(BIN)/python -m autograder mutants $(ASSIGNMENT) $(ARGS)

# make margins [ARGS="03_custom_models --seeds 100"]: the visible checks that train from a seeded random
# start, run from other seeds: how far the solution stays from their bounds, in standard deviations.
margins: venv
	$(BIN)/python -m autograder margins $(ARGS)

# Inline autograder/checks into solutions/ and regenerate exercises/ with nbgrader.
exercises: venv
	$(BIN)/python -m autograder release

# make edition EDITION=../student [EDITION_URL=https://github.com/OWNER/student] [EDITION_BRANCH=main] [ARGS=--force]:
# the student edition (book and exercises, no solutions/ or hidden tests) in EDITION, outside this repository;
# its Colab links open EDITION_URL (default: repository.url of _config.yml). See README, "Two editions".
edition: venv
	@test -n "$(EDITION)" || { echo "usage: make edition EDITION=path [EDITION_URL=https://github.com/OWNER/NAME] [EDITION_BRANCH=main] [ARGS=--force]"; exit 2; }
	$(BIN)/python -m autograder edition $(EDITION) $(if $(EDITION_URL),--repository $(EDITION_URL)) $(if $(EDITION_BRANCH),--branch $(EDITION_BRANCH)) $(ARGS)

clean:
	rm -rf _build grading-output
