# shellcheck shell=bash
# A throwaway PostgreSQL server for the tests, sourced by .ci/run:
#
#   source .ci/postgres.sh
#   start_test_postgres        # exports PENDULUM_TEST_POSTGRES=postgresql://pendulum:pendulum@127.0.0.1:PORT/postgres
#
# It installs Debian's PostgreSQL if the machine has none, initdb's a cluster in a temporary
# directory (run as the `postgres` user when we are root: the server refuses to run as root),
# listens on 127.0.0.1 on a free port (never 5432: a developer's own server may be there),
# and is stopped and deleted when the calling shell exits. The cluster trades durability for
# speed (fsync off): it lives for one CI run.

TEST_POSTGRES_DIR=""
TEST_POSTGRES_BIN=""

_test_postgres_bin() {
  # the newest installed major version (Debian: /usr/lib/postgresql/<major>/bin)
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/postgres" ]; then
    echo "$dir"
  fi
}

_test_postgres_as_owner() {
  # from / : the `postgres` user may not be allowed into the clone's directory
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

_test_postgres_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_test_postgres() {
  if [ -n "$TEST_POSTGRES_DIR" ] && [ -d "$TEST_POSTGRES_DIR" ]; then
    _test_postgres_as_owner "$TEST_POSTGRES_BIN/pg_ctl" -D "$TEST_POSTGRES_DIR/data" \
      -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$TEST_POSTGRES_DIR"
  fi
  TEST_POSTGRES_DIR=""
}

start_test_postgres() {
  TEST_POSTGRES_BIN=$(_test_postgres_bin)
  if [ -z "$TEST_POSTGRES_BIN" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || echo "warning: could not install postgresql" >&2
    TEST_POSTGRES_BIN=$(_test_postgres_bin)
  fi
  if [ -z "$TEST_POSTGRES_BIN" ]; then
    echo "error: PostgreSQL is not installed (the PostgreSQL test pass needs it)" >&2
    return 1
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "error: no 'postgres' user to run the test server as" >&2
    return 1
  fi

  # in /tmp, not $TMPDIR: the `postgres` user must be able to reach it
  TEST_POSTGRES_DIR=$(mktemp -d /tmp/pendulum-ci-postgres.XXXXXX)
  # stopped on any exit; INT/TERM become an exit, so the EXIT trap runs for them too
  trap stop_test_postgres EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$TEST_POSTGRES_DIR"
  fi
  local port url
  port=$(_test_postgres_free_port)
  echo pendulum >"$TEST_POSTGRES_DIR/password"
  chmod 600 "$TEST_POSTGRES_DIR/password"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$TEST_POSTGRES_DIR/password"
  fi

  # the bootstrap superuser is `pendulum` (password `pendulum`); sockets stay in the temp dir
  _test_postgres_as_owner "$TEST_POSTGRES_BIN/initdb" -D "$TEST_POSTGRES_DIR/data" \
    --username=pendulum --pwfile="$TEST_POSTGRES_DIR/password" \
    --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$TEST_POSTGRES_DIR/initdb.log" 2>&1 \
    || { cat "$TEST_POSTGRES_DIR/initdb.log" >&2; return 1; }
  cat >>"$TEST_POSTGRES_DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$TEST_POSTGRES_DIR'
# every test gets a fresh database, and replica tests open several pools
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  _test_postgres_as_owner "$TEST_POSTGRES_BIN/pg_ctl" -D "$TEST_POSTGRES_DIR/data" \
    -l "$TEST_POSTGRES_DIR/server.log" -w -t 60 start >/dev/null \
    || { cat "$TEST_POSTGRES_DIR/server.log" >&2; return 1; }

  url="postgresql://pendulum:pendulum@127.0.0.1:$port/postgres"
  "$TEST_POSTGRES_BIN/psql" "$url" -qAtc 'select 1' >/dev/null \
    || { echo "error: the test PostgreSQL server does not answer at 127.0.0.1:$port" >&2; return 1; }
  export PENDULUM_TEST_POSTGRES="$url"
  echo "PostgreSQL $("$TEST_POSTGRES_BIN/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port"
}
