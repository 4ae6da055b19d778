#!/usr/bin/env bash
# Start (installing with apt when absent) the PostgreSQL, Redis and MariaDB servers the tests use.
# Each runs as a private instance under $SERVICES_DIR on its own loopback port, so nothing on the
# machine is touched and a second call finds them already running. Prints `export` lines.
set -euo pipefail
SERVICES_DIR=${SERVICES_DIR:-/tmp/oneapi-test-services}
PG_PORT=${PG_PORT:-55432}; REDIS_PORT=${REDIS_PORT:-56379}; MYSQL_PORT=${MYSQL_PORT:-53306}
mkdir -p "$SERVICES_DIR"; chmod 777 "$SERVICES_DIR"
log() { echo "[services] $*" >&2; }

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || need_apt+=(mariadb-server)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)   # browser tests (Debian's package; no downloads)
command -v nginx >/dev/null 2>&1 || need_apt+=(nginx)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]} with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq "${need_apt[@]}" >&2
fi

# --- PostgreSQL: private cluster owned by the postgres user ---
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA="$SERVICES_DIR/pg"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if ! as_pg "$PGBIN/pg_isready -q -h 127.0.0.1 -p $PG_PORT" 2>/dev/null; then
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"; [ "$(id -u)" = 0 ] && chown postgres "$PGDATA"
    as_pg "$PGBIN/initdb -D $PGDATA -U postgres -A trust --no-sync" >&2
  fi
  as_pg "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/log -w -t 60 -o '-p $PG_PORT -k $SERVICES_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300' start" >&2
fi
log "postgresql on 127.0.0.1:$PG_PORT"

# --- Redis ---
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$SERVICES_DIR" --logfile "$SERVICES_DIR/redis.log" >&2
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
log "redis on 127.0.0.1:$REDIS_PORT"

# --- MariaDB (migrations check) ---
MYDATA="$SERVICES_DIR/mysql"
MYSQLD=$(command -v mariadbd || command -v mysqld || true)
if [ -n "$MYSQLD" ] && ! mysqladmin --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -uroot ping >/dev/null 2>&1; then
  if [ ! -d "$MYDATA/mysql" ]; then
    mkdir -p "$MYDATA"; chown -R mysql:mysql "$MYDATA" 2>/dev/null || true
    mariadb-install-db --user=mysql --datadir="$MYDATA" --auth-root-authentication-method=normal >/dev/null 2>&1 \
      || mysql_install_db --user=mysql --datadir="$MYDATA" >/dev/null 2>&1
  fi
  nohup "$MYSQLD" --user=mysql --datadir="$MYDATA" --port="$MYSQL_PORT" --bind-address=127.0.0.1 \
    --socket="$SERVICES_DIR/mysql.sock" --pid-file="$SERVICES_DIR/mysql.pid" --skip-grant-tables \
    --innodb-flush-log-at-trx-commit=0 >"$SERVICES_DIR/mysql.log" 2>&1 &
  for _ in $(seq 100); do mysqladmin --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -uroot ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
if [ -n "$MYSQLD" ]; then log "mariadb on 127.0.0.1:$MYSQL_PORT"; fi

echo "export TEST_PG_URL=postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/postgres"
echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
if [ -n "$MYSQLD" ]; then echo "export TEST_MYSQL_URL=mysql+pymysql://root@127.0.0.1:$MYSQL_PORT/mysql"; fi
