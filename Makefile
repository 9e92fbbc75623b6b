# Every target sets up what it needs: a fresh clone runs `make demo` or `make test` directly.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean venv locales gallery

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m demo

# two workers (pytest-xdist): each test starts its own Red bot, so they share nothing but the machine
test: $(STAMP)
	$(PY) -m pytest -q -n 2

bench: $(STAMP)
	$(PY) -m benchmarks

# the README's sample cards (docs/cards/), drawn by the real card generator
gallery: $(STAMP)
	$(PY) tools/card_gallery.py

# the translation template: every _() string and every command's help, in unicornia/locales
locales: $(STAMP)
	$(VENV)/bin/redgettext --command-docstrings --recursive --relative-to-cwd --output-dir unicornia/locales unicornia

clean:
	rm -rf $(VENV) build demo-output .pytest_cache
