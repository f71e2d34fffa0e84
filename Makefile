# The README's two commands: `make book` (set up, build the executed HTML book) and `make test`
# (set up, run every check). Each creates or reuses .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The versions every check passed with (make upgrade-check moves them forward); each install uses
# them, so a fresh clone gets what was tested
CONSTRAINTS := requirements/constraints.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS)
PYTEST_NOTEBOOKS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# two worker processes, each taking whole files (a chapter's cells must run in one kernel, in
# order): 6 minutes instead of 9 on a 2-core machine
PYTEST_PARALLEL := -n 2 --dist loadfile

.PHONY: test book check-book pdf notebooks student benchmark lab upgrade-check clean

# Reinstall only when the dependency list or the tested versions change (the package itself is
# installed editable).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) --editable '.[test]'
	touch $@

$(VENV)/.installed-book: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) --editable '.[book]'
	touch $@

$(VENV)/.installed-lab: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) --editable '.[lab,test]'
	touch $@

## make test: lint, the library's tests, the student edition of every chapter re-executed and
## compared by nbval, and the browser tests (tests/browser: the HTML book, built with every chapter
## executed as `make book` does, chapter 4 in JupyterLab and an exercise of chapter 1's student
## edition typed in, in Debian's Chromium, which ensure_chromium.py installs when it is missing)
# nbval runs the student edition: every chapter with no exercise solved must run from top to
# bottom and print what the chapter prints; the chapters with their solutions run (every check
# must pass) in the book build of tests/browser/test_book_html.py.
test: $(VENV)/.installed-test student
	$(BIN)/python scripts/ensure_chromium.py
	$(BIN)/python scripts/fetch_web_assets.py  # once, before two test workers could both fetch
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_NOTEBOOKS) --durations=20 tests student

## make check-book: build the book (every chapter executed) and run the browser tests on it
check-book: $(VENV)/.installed-test book
	RACETRACK_BOOK_HTML=book/_build/html $(BIN)/python -m pytest tests/browser/test_book_html.py

## make book: build the chapters, executed, into HTML (book/_build/html/index.html); a cell that
## fails, stalls (no CPU for 60 s) or computes for over 300 s stops it, naming chapter and cell
book: $(VENV)/.installed-book
	$(BIN)/python scripts/fetch_web_assets.py
	rm -rf book/_build/html book/_build/doctrees
	$(BIN)/sphinx-build -b html --keep-going book book/_build/html
	@echo "The book is at book/_build/html/index.html"

## make pdf: print the book to one A4 PDF (book/_build/racetrack-rl.pdf) to read and annotate on
## paper: built from the outputs committed in the chapters, none executed (under a minute), and
## printed by the browser tests' Chromium (scripts/print_book.py)
pdf: $(VENV)/.installed-test
	$(BIN)/python scripts/ensure_chromium.py
	$(BIN)/python scripts/fetch_web_assets.py
	$(BIN)/python scripts/print_book.py

## make notebooks: after editing a chapter's .py, regenerate its paired .ipynb and execute it with
## the book's executor (jupytext --execute uses plain nbclient, which can lose a cell's reply at an
## explorer and then wait for ever; see scripts/notebook_execution.py). CHAPTERS=04 does one.
CHAPTERS ?= [0-9][0-9]
notebooks: $(VENV)/.installed-test
	for chapter in notebooks/$(CHAPTERS)_*.py; do \
		$(BIN)/jupytext --to ipynb --update "$$chapter" || exit 1; \
		$(BIN)/python scripts/notebook_execution.py --write "$${chapter%.py}.ipynb" || exit 1; \
	done

## make student: write the student edition into student/ (not committed): every chapter with the
## solution of each coding exercise replaced by a stub that raises NotImplementedError, the hidden
## solutions of the other exercises removed (scripts/student_edition.py)
student: $(VENV)/.installed-test
	$(BIN)/python scripts/student_edition.py --out student

## make benchmark: speed measurements (on demand, never part of the tests)
benchmark: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_dp.py
	$(BIN)/python benchmarks/bench_td.py

## make lab: open the chapters in JupyterLab
lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab notebooks

## make upgrade-check: install the newest releases of every dependency into a scratch venv
## (.venv/upgrade-check), run `make test` and `make book` with them, and only if both pass keep
## their versions in requirements/constraints.txt (then review the diff and commit it); if
## anything fails, the file is put back as it was
# (inside .venv, which git and ruff ignore)
UPGRADE_VENV := .venv/upgrade-check
upgrade-check:
	rm -rf $(UPGRADE_VENV)
	$(PYTHON) -m venv $(UPGRADE_VENV)
	$(UPGRADE_VENV)/bin/python -m pip install --quiet --upgrade --editable '.[test,book,lab]'
	cp $(CONSTRAINTS) $(UPGRADE_VENV)/constraints-before.txt
	$(UPGRADE_VENV)/bin/python scripts/write_constraints.py  # the candidate, which the tests check
	touch $(UPGRADE_VENV)/.installed-test $(UPGRADE_VENV)/.installed-book
	$(MAKE) VENV=$(UPGRADE_VENV) test book || { \
		cp $(UPGRADE_VENV)/constraints-before.txt $(CONSTRAINTS); \
		echo "upgrade-check: a check failed with the newest releases; $(CONSTRAINTS) is unchanged"; \
		exit 1; }
	git diff --stat -- $(CONSTRAINTS)

## make clean: remove build outputs and numba's compiled cache (never needed for correctness: the
## cache is kept per version of racetrack_lib's source, see racetrack_lib/numba_cache.py)
clean:
	rm -rf book/_build .pytest_cache racetrack_lib/__pycache__/numba-*
	find racetrack_lib -name '*.nbi' -delete -o -name '*.nbc' -delete
