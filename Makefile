# Two commands do all the set-up (README): `make run` and `make test`.
PYTHON ?= python3
TOOLS  := .tools
VENV   := .venv
UV     := $(TOOLS)/bin/uv

.PHONY: setup run test test-heavy bench notebooks clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv>=0.8"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

setup: $(VENV)/.synced

## Run the nightly job once on the embedded defaults (generates a sample inbox when there is none).
run: setup
	$(VENV)/bin/thads run

## The whole test suite (heavy trials excluded; `make test-heavy` runs them).
test: setup
	$(VENV)/bin/pytest -m "not heavy"

test-heavy: setup
	$(VENV)/bin/pytest -m heavy

bench: setup
	$(VENV)/bin/python -m bench.run

## JupyterLab on the notebooks (installs the `lab` group the first time; `make run`/`make test` remove it again).
notebooks: setup
	$(UV) run --frozen --group lab jupyter lab notebooks/

clean:
	rm -rf $(VENV) $(TOOLS)
