# Claude Code (npm @anthropic-ai/claude-code) and Codex (npm @openai/codex) for the end-to-end checks in
# tests/formats/test_real_clients.py (skipped when absent). Included by the top-level Makefile.
CLAUDE_CODE_VERSION ?= 2.1.197
CLAUDE_CODE_DIR ?= $(HOME)/.cache/oneapi-claude-code
CLAUDE_CODE_STAMP := $(CLAUDE_CODE_DIR)/.installed-$(CLAUDE_CODE_VERSION)

CODEX_VERSION ?= 0.171.0
CODEX_DIR ?= $(HOME)/.cache/oneapi-codex
CODEX_STAMP := $(CODEX_DIR)/.installed-$(CODEX_VERSION)

.PHONY: claude-code codex test-formats

$(CLAUDE_CODE_STAMP):
	mkdir -p $(CLAUDE_CODE_DIR)
	npm install --prefix $(CLAUDE_CODE_DIR) --no-audit --no-fund @anthropic-ai/claude-code@$(CLAUDE_CODE_VERSION)
	# npm may skip the package's postinstall (it swaps the bin stub for the native binary)
	cd $(CLAUDE_CODE_DIR)/node_modules/@anthropic-ai/claude-code && node install.cjs
	$(CLAUDE_CODE_DIR)/node_modules/.bin/claude --version
	touch $@

claude-code: $(CLAUDE_CODE_STAMP)

$(CODEX_STAMP):
	mkdir -p $(CODEX_DIR)
	npm install --prefix $(CODEX_DIR) --no-audit --no-fund @openai/codex@$(CODEX_VERSION)
	$(CODEX_DIR)/node_modules/.bin/codex --version
	touch $@

codex: $(CODEX_STAMP)

test-formats: venv claude-code codex
	CLAUDE_CODE_DIR=$(CLAUDE_CODE_DIR) CODEX_DIR=$(CODEX_DIR) .venv/bin/python -m pytest -q tests/formats tests/converters
