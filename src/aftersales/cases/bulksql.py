"""Moved to `aftersales.core.bulksql` (the refund ledger and the outbox write through it too);
kept so that `from aftersales.cases import bulksql` goes on working."""

from aftersales.core.bulksql import ROWS_PER_STATEMENT, insert_rows, update_rows

__all__ = ["ROWS_PER_STATEMENT", "insert_rows", "update_rows"]
