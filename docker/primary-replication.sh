#!/bin/sh
# The `scale` profile's primary, on first start only (docker-entrypoint-initdb.d): a role
# for the replica's streaming connection, and the pg_hba.conf line that lets it in (the
# image's own line, `host all all all`, does not cover replication connections).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=password="$REPLICATION_PASSWORD" <<'EOSQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
EOSQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
