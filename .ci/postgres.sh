#!/usr/bin/env bash
# A throw-away PostgreSQL server on loopback for the PostgreSQL tests (issue 12).
#
#   source .ci/postgres.sh      # in .ci/run: installs Debian's postgresql if needed, starts the server,
#                               # exports HRDESK_TEST_PG_URL and HRDESK_REQUIRE_PG=1
#   bash .ci/postgres.sh        # by hand: same, prints the URL
#   bash .ci/postgres.sh stop   # stop the server started by this script
#
# The cluster lives in a folder under /tmp owned by the 'postgres' system user, listens only on
# 127.0.0.1, and trusts local connections (test data only). Port: HRDESK_PG_PORT (default 55432).
# The tests create one database per test run from the 'hrdesk' maintenance database and drop it.

_hrdesk_pg() {
    set -euo pipefail
    local port="${HRDESK_PG_PORT:-55432}"
    local dir="${HRDESK_PG_DIR:-/tmp/hrdesk-pg-$port}"
    local run_as="postgres"
    local bin

    if [ "${1:-}" = "stop" ]; then
        bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
        [ -n "$bin" ] && [ -d "$dir/data" ] && su "$run_as" -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -m fast stop" || true
        return 0
    fi

    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then  # the server, not only the client
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null
    fi
    bin="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"
    id "$run_as" >/dev/null 2>&1 || useradd --system --home-dir "$dir" "$run_as"

    if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
        mkdir -p "$dir"
        chown "$run_as" "$dir"
        if [ ! -f "$dir/data/PG_VERSION" ]; then
            su "$run_as" -s /bin/sh -c "'$bin/initdb' -D '$dir/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1" \
                || su "$run_as" -s /bin/sh -c "'$bin/initdb' -D '$dir/data' -U postgres -A trust -E UTF8 --locale=C >'$dir/initdb.log' 2>&1"
        fi
        # Test server: no durability needed, small footprint on a 2-core machine.
        su "$run_as" -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 start \
            -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off -c synchronous_commit=off \
                -c full_page_writes=off -c max_connections=60 -c shared_buffers=64MB\"" >/dev/null
    fi
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
        "SELECT 1 FROM pg_database WHERE datname='hrdesk'" | grep -q 1 \
        || "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE hrdesk" >/dev/null
    echo "PostgreSQL for tests: postgresql+psycopg://postgres@127.0.0.1:$port/hrdesk"
}

# The work runs in a subshell (its own 'set -e', the caller's options untouched); a failure stops here
# with a non-zero status, which stops .ci/run (set -e) before any test runs.
( _hrdesk_pg "$@" ) || { echo "could not start PostgreSQL for the tests" >&2; return 1 2>/dev/null || exit 1; }
if [ "${1:-}" != "stop" ]; then
    export HRDESK_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:${HRDESK_PG_PORT:-55432}/hrdesk"
    export HRDESK_REQUIRE_PG=1
fi
