# The two commands of the README: `make book` and `make test`. Both create .venv on first use
# (Python 3.11 and this file are all they need) and reinstall when requirements change.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: test book lab clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

## Run every test: d2lite's unit tests and every notebook (nbval), two workers, network blocked.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

## Build the rendered book, executing the notebooks (cached: unchanged notebooks are not re-run).
book: $(STAMP)
	D2LITE_HEADLESS=1 $(BIN)/jupyter-book build . --keep-going -W
	@echo
	@echo "The book is built: open _build/html/index.html in a browser,"
	@echo "or serve it: $(BIN)/python -m http.server -d _build/html 8000  (then http://localhost:8000)."
	@echo "For the live notebooks and sliders: make lab"

## JupyterLab on the notebooks, with the same environment.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build
