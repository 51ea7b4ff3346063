"""Behind PgBouncer in transaction mode: the desk's server settings travel with each transaction.

In transaction mode a client holds a server connection for one transaction
only, so nothing may rely on session state: a `SET` would stay behind on a
server connection that another client gets next, and PgBouncer refuses the
startup options that set them otherwise (settings.DESK_SERVER_SETTINGS, the
statement timeout of web processes). Instead, with DESK_DB_TRANSACTION_POOLER,
every transaction starts with ``set_config(name, value, true)`` (``SET LOCAL``):

- inside Django's atomic blocks (the admin, ATOMIC_REQUESTS, services), before
  the first statement: one more statement per transaction;
- for a statement in autocommit (the API's reads), around it: BEGIN, the
  settings, the statement, COMMIT. Three round trips more, in exchange for
  settings that cannot leak.

Server-side cursors are off (settings.connection_settings), and the client's
time zone is one of the parameters PgBouncer itself keeps per client.
"""

from __future__ import annotations

from django.conf import settings
from django.db.backends.signals import connection_created
from psycopg.pq import TransactionStatus
from psycopg.sql import SQL, Literal

# Settings of every transaction; limit_web_statements() adds statement_timeout.
per_transaction: dict[str, str] = {}


def set_local_sql() -> SQL:
    calls = [
        SQL("set_config({}, {}, true)").format(Literal(name), Literal(value))
        for name, value in per_transaction.items()
    ]
    return SQL("SELECT ") + SQL(", ").join(calls)


def with_transaction_settings(execute, sql, params, many, context):
    """Django execute wrapper: the settings first in each transaction (see module)."""
    connection = context["connection"]
    raw = connection.connection
    if not per_transaction or raw.info.transaction_status != TransactionStatus.IDLE:
        return execute(sql, params, many, context)  # inside a transaction that has them
    if connection.get_autocommit():
        with raw.transaction():
            raw.execute(set_local_sql())
            return execute(sql, params, many, context)
    raw.execute(set_local_sql())  # opens the atomic block's transaction
    return execute(sql, params, many, context)


def install(connection, **kwargs) -> None:
    """connection_created receiver: wrap every query of this connection, once."""
    if with_transaction_settings not in connection.execute_wrappers:
        connection.execute_wrappers.append(with_transaction_settings)


def enable() -> None:
    """Called by the app's ready(): only with DESK_DB_TRANSACTION_POOLER."""
    if settings.DESK_DB_TRANSACTION_POOLER:
        per_transaction.update(settings.DESK_SERVER_SETTINGS)
        connection_created.connect(install, dispatch_uid="libya.pooling.install")
