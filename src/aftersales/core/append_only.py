"""Who may rewrite an append-only table: nobody, except `flush` emptying the whole database.

The SQLite triggers (core.migration_ops) ask `aftersales_history_locked()`, a function this
module registers on every SQLite connection. SQLite has no TRUNCATE, so Django's `flush` (and
the test suite's teardown of transactional tests, which calls it) deletes row by row; the flag
below lets exactly that through, for the current thread only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aftersales.core.migration_ops import SQLITE_GUARD_FUNCTION

_state = threading.local()


def history_locked() -> int:
    return 0 if getattr(_state, "rewriting", False) else 1


@contextmanager
def rewriting_history() -> Iterator[None]:
    """Only for emptying the database (`flush`); never for editing rows."""
    previous = getattr(_state, "rewriting", False)
    _state.rewriting = True
    try:
        yield
    finally:
        _state.rewriting = previous


def register_sqlite_guard(sender, connection, **kwargs) -> None:
    """connection_created receiver: give each SQLite connection the function triggers ask."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_GUARD_FUNCTION, 0, history_locked)
