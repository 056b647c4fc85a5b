# ecotown: the two everyday commands are `make run` and `make test` (see README.md).
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
YEAR    ?= 2026
OUT     ?= out/nong-pho-$(YEAR)

.PHONY: setup system-deps run test test-fast lint sample bench clean

# A virtual environment with ecotown installed (editable) and the test tools.
$(BIN)/ecotown: pyproject.toml
	sh tools/ensure-venv.sh "$(PY)" "$(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/ecotown

setup: $(BIN)/ecotown

# Debian packages the tests need: Chromium (to open the HTML maps), Thai fonts, poppler (PDF to PNG).
system-deps:
	sh tools/install-system-deps.sh

# The main job: assess the bundled Nong Pho sample and write maps, report and tables.
run: setup
	$(BIN)/ecotown assess --year $(YEAR) --out $(OUT)

# The whole test suite (every lane: browser, PostGIS, QGIS, slow), after the linter and the type checker.
test: setup system-deps lint
	$(BIN)/python -m pytest -q

# Everyday lane, under a minute: no browser, no database or QGIS, nothing slow (markers in pyproject.toml),
# on both cores (pytest-xdist).
test-fast: setup system-deps
	$(BIN)/python -m pytest -q -n 2 -m "not browser and not postgis and not qgis and not slow"

# ruff (pyflakes, pycodestyle, bugbear) on everything; mypy on geo/ (settings in pyproject.toml).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Regenerate the bundled sample from its generator script.
sample: setup
	$(BIN)/python -m layers.sample.generate

clean:
	rm -rf out ecotown-out .pytest_cache .ruff_cache .mypy_cache tests/_artifacts
