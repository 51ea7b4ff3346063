"""Gunicorn for the desk: ``gunicorn -c libya/gunicorn.conf.py libya.wsgi`` from the project root.

The Dockerfile's CMD and bench/loadtest.py start it this way. Sizes come from
WEB_CONCURRENCY (processes) and GUNICORN_THREADS (threads each) through
libya/serving.py; migrate runs the desk.E002 check, which refuses a size whose
database connections would not fit in the server's max_connections. Command-line
options (``--bind``, ``--workers``...) still override what is set here.
"""

import os

from libya import serving

# Threads, not more processes: requests wait on PostgreSQL, and each thread keeps
# at most one persistent connection, so the desk holds at most workers x threads.
worker_class = "gthread"
workers = serving.workers()
threads = serving.threads()

# A worker silent this long is restarted, with every request in it; queries are cut
# sooner, by DESK_STATEMENT_TIMEOUT_MS (10 s by default), and answered 504 by Django.
timeout = 30
graceful_timeout = 30
keepalive = 5

# Access log to stdout unless GUNICORN_ACCESS_LOG names a file or is empty (none).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"

# limit_request_line stays at gunicorn's 4094 bytes: a longer URL (such as the 100 kB
# query strings of tests/security/test_hostile_input.py) gets gunicorn's own HTML 400
# and never reaches Django, whose JSON 400 for them the test checks in-process.
