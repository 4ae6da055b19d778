# Frontend (React + Vite in frontend/) and its browser tests (tests/browser/).
# Included by the top-level Makefile.
FE := frontend
FE_STAMP := $(FE)/node_modules/.package-lock.json
FE_SRC := $(shell find $(FE)/src $(FE)/public -type f -not -name '*.test.ts' -not -name '*.test.tsx' 2>/dev/null) \
	$(FE)/index.html $(FE)/vite.config.ts $(FE)/tsconfig.json $(FE)/package.json $(FE)/package-lock.json

.PHONY: frontend-build frontend-deps test-frontend test-browser

# npm ci only when package.json / package-lock.json changed since the last install.
$(FE_STAMP): $(FE)/package.json $(FE)/package-lock.json
	cd $(FE) && npm ci --no-audit --no-fund
	touch $@

frontend-deps: $(FE_STAMP)

# Rebuilt when any source (or the lock file) is newer than the build.
$(FE)/dist/index.html: $(FE_STAMP) $(FE_SRC)
	cd $(FE) && npm run build
	touch $@

frontend-build: $(FE)/dist/index.html

test-frontend: $(FE_STAMP)
	cd $(FE) && npx vitest run

# Real backend (gunicorn + gevent, SQLite in a temp dir) + loopback mock upstream + headless Chromium.
test-browser: venv $(FE)/dist/index.html
	timeout 600 node tests/browser/e2e.mjs
