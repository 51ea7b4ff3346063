# The Libya desk web service: gunicorn serving Django, static files by whitenoise.
# Runtime requirements only: tests and tooling live in requirements-dev.txt.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system desk && useradd --system --gid desk --home-dir /app desk
WORKDIR /app

COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt

COPY . .
# The committed translations (locale/*.po), compiled with Babel (pinned in requirements.txt).
RUN pybabel compile -d locale -D django && pybabel compile -d locale -D djangojs
# collectstatic imports settings, which require these; nothing is connected at build time.
RUN DJANGO_SECRET_KEY=collectstatic-only DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput \
 && mkdir -p /var/lib/desk && chown desk:desk /var/lib/desk

USER desk
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
# gthread workers sized by WEB_CONCURRENCY x GUNICORN_THREADS (libya/gunicorn.conf.py);
# each thread keeps one database connection, which migrate checks against max_connections.
ENV WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4
CMD ["gunicorn", "-c", "libya/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "libya.wsgi"]
