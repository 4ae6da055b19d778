# Benchmark harness (issue 6): `make bench`, `make bench-quick`, `make bench-soak`,
# `make bench-profile`. See bench/README.md.
BENCH_VENV_PY := .venv/bin/python
LITELLM_VENV := bench/.litellm-venv
BENCH_BASE_PY := $(shell command -v python3.11 || command -v python3)

.PHONY: bench bench-quick bench-soak bench-profile bench-deps bench-sysdeps bench-litellm

bench-sysdeps:
	@command -v wrk >/dev/null && command -v nginx >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx; }

bench-deps: venv bench-sysdeps
	@$(BENCH_VENV_PY) -c "import uvloop" 2>/dev/null && test -x .venv/bin/py-spy || \
	  .venv/bin/pip install -q -r bench/requirements-bench.txt

# LiteLLM in its own venv; on failure the bench runs without it and says so.
bench-litellm:
	@if [ "$(BENCH_SKIP_LITELLM)" = "1" ]; then echo "LiteLLM skipped (BENCH_SKIP_LITELLM=1)"; \
	elif [ -f bench/.litellm-install-failed ]; then \
	  echo "LiteLLM install failed before; skipping it (rm bench/.litellm-install-failed to retry)"; \
	elif [ ! -x $(LITELLM_VENV)/bin/litellm ]; then \
	  echo "Installing litellm[proxy] into $(LITELLM_VENV) (one time)..."; \
	  ( $(BENCH_BASE_PY) -m venv $(LITELLM_VENV) && \
	    timeout 900 $(LITELLM_VENV)/bin/pip install -q 'litellm[proxy]' ) || \
	  { echo "LiteLLM could not be installed; the bench will skip it"; rm -rf $(LITELLM_VENV); \
	    touch bench/.litellm-install-failed; }; \
	fi

bench: bench-deps bench-litellm
	$(BENCH_VENV_PY) bench/run.py

bench-quick: bench-deps bench-litellm
	BENCH_QUICK=1 $(BENCH_VENV_PY) bench/run.py

bench-soak: bench-deps bench-litellm
	BENCH_SOAK=1 $(BENCH_VENV_PY) bench/run.py

bench-profile: bench-deps
	$(BENCH_VENV_PY) bench/profile.py
