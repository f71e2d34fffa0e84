# The README's two commands: `make book` (set up, build the executed HTML book) and `make test`
# (set up, run every check). Each creates or reuses .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_NOTEBOOKS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# two worker processes, each taking whole files (a chapter's cells must run in one kernel, in
# order): 6 minutes instead of 9 on a 2-core machine
PYTEST_PARALLEL := -n 2 --dist loadfile

.PHONY: test book check-book notebooks benchmark lab clean

# Reinstall only when the dependency list changes (the package itself is installed editable).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@

$(VENV)/.installed-book: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[book]'
	touch $@

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[lab,test]'
	touch $@

## make test: lint, the library's tests, every chapter re-executed and compared by nbval, and the
## browser tests (tests/browser: the HTML book and chapter 3 in JupyterLab, in Debian's Chromium,
## which ensure_chromium.py installs when it is missing)
test: $(VENV)/.installed-test
	$(BIN)/python scripts/ensure_chromium.py
	$(BIN)/python scripts/fetch_web_assets.py  # once, before two test workers could both fetch
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_NOTEBOOKS) tests notebooks

## make check-book: build the book (every chapter executed) and run the browser tests on it
check-book: $(VENV)/.installed-test book
	RACETRACK_BOOK_HTML=book/_build/html $(BIN)/python -m pytest tests/browser/test_book_html.py

## make book: build the chapters, executed, into HTML (book/_build/html/index.html)
book: $(VENV)/.installed-book
	$(BIN)/python scripts/fetch_web_assets.py
	rm -rf book/_build/html book/_build/doctrees
	$(BIN)/sphinx-build -b html --keep-going book book/_build/html
	@echo "The book is at book/_build/html/index.html"

## make notebooks: after editing a chapter's .py, regenerate and execute its paired .ipynb
notebooks: $(VENV)/.installed-test
	for chapter in notebooks/[0-9][0-9]_*.py; do \
		$(BIN)/jupytext --to ipynb --execute "$$chapter" || exit 1; \
	done

## make benchmark: speed measurements (on demand, never part of the tests)
benchmark: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_dp.py
	$(BIN)/python benchmarks/bench_td.py

## make lab: open the chapters in JupyterLab
lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab notebooks

## make clean: remove build outputs and numba's compiled cache (numba does not notice when an
## inlined function in another module changes: after editing racetrack_lib, clean)
clean:
	rm -rf book/_build .pytest_cache
	find racetrack_lib -name '*.nbi' -delete -o -name '*.nbc' -delete
