# The Python suite on MySQL/MariaDB (SCOPE §2: SQLite, PostgreSQL and MySQL). Included by the
# top-level Makefile (-include mk/*.mk); `make test` runs it once the lead wires it in.
# scripts/test-services.sh starts a private MariaDB on 127.0.0.1:53306 and exports TEST_MYSQL_URL;
# tests/conftest.py creates a fresh utf8mb4 database per session on it.
.PHONY: test-mysql

test-mysql: venv test-services
	source .test-services.env && test -n "$$TEST_MYSQL_URL" \
		|| { echo "TEST_MYSQL_URL missing: scripts/test-services.sh found no MariaDB/MySQL server" >&2; exit 1; }
	source .test-services.env && ONEAPI_TEST_DB=mysql $(BIN)/pytest -n 2 --dist loadfile \
		--ignore=tests/db --ignore=tests/cluster
