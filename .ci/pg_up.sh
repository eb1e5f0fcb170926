#!/usr/bin/env bash
# Start a throwaway PostgreSQL on 127.0.0.1:$PGPORT with its data under $PGROOT (run as the
# postgres user: the server refuses root). Prints the SQLAlchemy URL of an empty database.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGROOT=${PGROOT:?set PGROOT to an empty folder}
PGPORT=${PGPORT:-55433}
mkdir -p "$PGROOT"
chown postgres:postgres "$PGROOT"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.log"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 30 \
  -o "-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" fidelity_test
echo "postgresql+psycopg://postgres@127.0.0.1:$PGPORT/fidelity_test"
