# Two commands on a fresh machine: `make run` and `make test`. The system Python is used
# (UV_PYTHON_DOWNLOADS=never) and dependencies come from the committed uv.lock.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never

# uv from PATH, else where `pip install --user` puts it.
UV = $(shell command -v uv 2>/dev/null || echo "$$(python3 -m site --user-base)/bin/uv")
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=
BENCH_SCALE ?= district

.PHONY: run test lint vendor uv bench

uv:
	@if ! command -v uv >/dev/null 2>&1 && ! [ -x "$$(python3 -m site --user-base)/bin/uv" ]; then \
		echo "uv not found: installing it with pip"; \
		python3 -m pip install --user uv \
		|| python3 -m pip install --user --break-system-packages uv \
		|| python3 -m pip install uv; \
	fi

run: uv
	$(UV) sync --frozen
	$(UV) run ipcity run

test: uv
	$(UV) sync --frozen --group dev
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Chromium not found at $(CHROMIUM): browser tests will be skipped."; fi
	@# Bytecode is written even where the environment forbids it (PYTHONDONTWRITEBYTECODE): every
	@# worker and every platform process the tests start then reads it instead of compiling anew.
	env -u PYTHONDONTWRITEBYTECODE $(UV) run pytest $(PYTEST_ARGS)

lint: uv
	$(UV) sync --frozen --group dev
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run python manage.py makemigrations --check --dry-run

vendor:
	scripts/vendor.sh

# Benchmarks (docs/performance.md): a database of their own in var/bench-<scale>/ (or the
# DATABASE_URL given), the synthetic data generated once, then the figures measured.
bench: uv
	$(UV) sync --frozen --group bench
	export IPCITY_VAR_DIR="$(CURDIR)/var/bench-$(BENCH_SCALE)"; \
	$(UV) run ipcity migrate --no-input -v 0 \
	&& { [ -f "$$IPCITY_VAR_DIR/bench/$(BENCH_SCALE)/manifest.json" ] \
	     || $(UV) run ipcity bench generate --scale $(BENCH_SCALE); } \
	&& $(UV) run ipcity bench run --scale $(BENCH_SCALE)
