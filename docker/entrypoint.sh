#!/bin/sh
# Container start: a secret key if none was given, migrations, the seed corpus, then CMD.
set -eu

if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
    key_file=/var/lib/desk/secret-key
    [ -s "$key_file" ] || python -c 'import secrets; print(secrets.token_urlsafe(50))' > "$key_file"
    DJANGO_SECRET_KEY=$(cat "$key_file")
    export DJANGO_SECRET_KEY
fi

# migrate also runs the database checks: desk.E002 stops a gunicorn size
# (WEB_CONCURRENCY x GUNICORN_THREADS) whose connections the server could not accept.
# Behind a pooler, DESK_MIGRATE_DATABASE_URL leads to the primary itself (docker-compose.yml).
DATABASE_URL="${DESK_MIGRATE_DATABASE_URL:-$DATABASE_URL}" python manage.py migrate --noinput
DATABASE_URL="${DESK_MIGRATE_DATABASE_URL:-$DATABASE_URL}" python manage.py seed
exec "$@"
