#!/bin/sh
# Installs (if missing) and starts PostgreSQL on Debian, creates a test role and database,
# and prints the SQLAlchemy URL for VARDIA_TEST_POSTGRES_URL. Run as root.
set -eu

ROLE="${VARDIA_PG_ROLE:-vardia}"
PASSWORD="${VARDIA_PG_PASSWORD:-vardia}"
DATABASE="${VARDIA_PG_DATABASE:-vardia_test}"

if ! command -v pg_lsclusters >/dev/null 2>&1; then
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
fi

VERSION=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
CLUSTER=$(pg_lsclusters -h | awk 'NR==1 {print $2}')
if [ -z "$VERSION" ]; then
    VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
    CLUSTER=main
    pg_createcluster "$VERSION" "$CLUSTER" >&2
fi
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $3}')
if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; then
    pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

psql_admin() { su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qAt $*"; }

if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname='$ROLE'\"")" != "1" ]; then
    psql_admin "-c \"CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD' CREATEDB\"" >&2
fi
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname='$DATABASE'\"")" != "1" ]; then
    psql_admin "-c \"CREATE DATABASE $DATABASE OWNER $ROLE\"" >&2
fi

echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
