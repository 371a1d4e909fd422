# The two commands of the README: `make book` and `make test`. Both create .venv on first use
# (Python 3.11 and this file are all they need) and reinstall when requirements change.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: test book pdf lab clean

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

## Run every test, network blocked: d2lite's unit tests and every notebook (nbval, two workers),
## then the browser tests: the built book in headless Chromium, and JupyterLab's sliders.
test: $(STAMP)
	tools/install_browser.sh
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --ignore=tests/browser
	$(BIN)/python -m pytest -n 2 --dist worksteal tests/browser

## Build the rendered book, executing the notebooks (cached: unchanged notebooks are not re-run,
## and those `make test` just ran are reused).
book: $(STAMP)
	$(BIN)/python tools/build_book.py
	@echo
	@echo "The book is built: open _build/html/index.html in a browser,"
	@echo "or serve it: $(BIN)/python -m http.server -d _build/html 8000  (then http://localhost:8000)."
	@echo "For the live notebooks and sliders: make lab"

## The whole book as one PDF, _build/pdf/d2lite.pdf: the built book printed page by page by the
## Chromium that `make test` installs (tools/install_browser.sh), with bookmarks and a contents page.
pdf: book
	tools/install_browser.sh
	$(BIN)/python tools/build_pdf.py --no-build

## JupyterLab on the notebooks, with the same environment.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build
