# The README's two commands live here: `make run` and `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test test-postgres bench lint format assets clean ci

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The environment is built from the committed lock (uv.lock); --frozen refuses to drift from it.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

# Only the environment (CI and editors); `make run` and `make test` build it themselves.
install: $(VENV)/.synced

# Migrates, loads the demo data (idempotent; prints the logins), serves web + API + worker.
run: $(VENV)/.synced
	$(VENV)/bin/aftersales run --demo

test: $(VENV)/.synced
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.synced
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/aftersales} $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.synced
	$(VENV)/bin/python bench/orders_api.py

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Front-end packages: pinned in package.json + package-lock.json (npm registry); the files the
# pages use are copied into the static folder and committed, so `make run` needs no Node.
VENDOR := src/aftersales/web/static/web/vendor
assets:
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/echarts/dist/echarts.common.min.js $(VENDOR)/echarts.common.min.js
	cp node_modules/htmx.org/LICENSE $(VENDOR)/htmx.LICENSE
	cp node_modules/echarts/LICENSE $(VENDOR)/echarts.LICENSE

ci:
	CI=true bash .ci/run

clean:
	rm -rf .tools $(VENV) var/test-*
