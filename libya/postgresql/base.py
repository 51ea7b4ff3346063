"""Django's PostgreSQL backend, with a health check that costs no round trip when it can.

With CONN_HEALTH_CHECKS, Django sends ``SELECT 1`` before the first query of every
request that reuses a connection: a round trip to the server, as long as an article's
whole lookup (0.26 ms of 2.1 ms in process, tier S; ``make bench-overhead``).

A connection left idle between two requests has nothing to read unless the server
has closed it or said something: a restart, ``pg_terminate_backend``, an idle timeout
or a relay going down all end with a FATAL message or an end of file, which make its
socket readable. So an idle connection whose socket has nothing to read is taken as
healthy without asking the server; any other goes through Django's own ``SELECT 1``.
A connection cut without a word (a host gone, no FIN) passes, where ``SELECT 1`` would
have blocked on it as long as the request's own query now does.

Why by hand: neither Django nor psycopg offers a check without a round trip; psycopg's
pool checks with a query as well.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db.backends.postgresql import base, operations
from psycopg import ClientCursor
from psycopg.errors import DataError
from psycopg.pq import ConnStatus, TransactionStatus

# Set while an anonymous API search runs (libya/desk/readpath.py): see plans_kept_by_text().
_KEEPING_PLANS: ContextVar[bool] = ContextVar("keeping_plans", default=False)


@contextmanager
def plans_kept_by_text() -> Iterator[None]:
    """Within it, a statement run five times with the same text is prepared on its connection.

    Django binds every value into the SQL text on the client and never prepares, so a
    statement repeated word for word (the same search) is parsed and planned on every
    request: for a rare term's date-sorted search on tier S, about half of PostgreSQL's
    time per request. psycopg prepares a text once it has run prepare_threshold (5)
    times on a connection and keeps the last 100; the plan is made for the text's own
    values, written in, so it is the plan PostgreSQL would choose for them anyway,
    whatever the term's frequency. Reads only: a rollback deallocates them all.
    """
    token = _KEEPING_PLANS.set(settings.DESK_DB_PREPARED_STATEMENTS)
    try:
        yield
    finally:
        _KEEPING_PLANS.reset(token)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # A prepared cursor binds on the server: the text sent has $1... in place of the
        # values, and the debug record (and the benchmark's L1) needs them in (as Django
        # does with server_side_binding).
        if isinstance(cursor, PreparingCursor):
            try:
                return self.compose_sql(sql, params)
            except DataError:
                return None
        if isinstance(cursor, PlanKeepingCursor):
            # psycopg does not record the text of a statement it runs prepared.
            return cursor.text
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.idle_and_silent()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def create_cursor(self, name=None):
        if name is None and _KEEPING_PLANS.get():
            cursor = PlanKeepingCursor(self.connection)
            self._use_connection_timezone(cursor)
            return cursor
        return super().create_cursor(name)

    def _use_connection_timezone(self, cursor) -> None:
        # As Django's create_cursor(): the connection's time zone, if it differs.
        tzloader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
        if self.timezone != tzloader.timezone:
            base.register_tzloader(self.timezone, cursor)

    def idle_and_silent(self) -> bool:
        """Open, outside any transaction, and with nothing from the server to read."""
        raw = self.connection
        if raw.closed or raw.info.status != ConnStatus.OK:
            return False
        if raw.info.transaction_status != TransactionStatus.IDLE:
            return False
        readable, _, _ = select.select([raw.fileno()], [], [], 0)
        return not readable

    def prepared_cursor(self):
        """A cursor whose statements the server keeps parsed, and planned, on this connection.

        For the API's compiled statements (libya/desk/api/statements.py), whose SQL text
        repeats with only the bound values changing. Django turns psycopg's prepared
        statements off (they break behind a transaction pooler) and binds values into the
        SQL text on the client, so each request's statement is parsed and planned anew:
        0.6 ms of an article's 0.9 ms lookup on tier M, 0.9 ms of the 1.2 ms of a claims
        page at 90 % depth. This cursor binds on the server and prepares every statement
        (psycopg keeps the last 100 per connection); after five executions PostgreSQL
        may keep a generic plan, which it does only when the plan's estimated cost is no
        worse than the custom plans' (plan_cache_mode = auto). A statement whose best
        plan depends on its values (a search term's frequency) is not sent here, and
        the constants of those that are are written into their text, where the generic
        plan sees them (statements.constants_written_in).

        A rollback deallocates the connection's statements (psycopg cannot tell which
        survive it); API reads never roll back, and the next read prepares again.

        A plain cursor behind a transaction pooler (settings.DESK_DB_PREPARED_STATEMENTS):
        there a statement prepared on one server connection is unknown to the next.
        """
        if not settings.DESK_DB_PREPARED_STATEMENTS:
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = PreparingCursor(self.connection)
            self._use_connection_timezone(cursor)
            return self._prepare_cursor(cursor)


class PreparingCursor(base.ServerBindingCursor):
    """Django's server-binding cursor, with every statement prepared (see prepared_cursor)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class PlanKeepingCursor(base.ServerBindingCursor):
    """Values written into the text as Django's client-binding cursor writes them, then run
    as psycopg runs any text: prepared from its fifth run (see plans_kept_by_text)."""

    text: str | None = None  # the last statement, values written in

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if params is not None:
            query = ClientCursor(self.connection).mogrify(query, params)
        self.text = query
        return super().execute(query, None, prepare=prepare, binary=binary)
