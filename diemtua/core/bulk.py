"""Insert many rows fast: PostgreSQL COPY, or one executemany elsewhere (SQLite).

`bulk_create` builds a model instance per row and sends multi-row INSERTs; for the hundreds of
thousands of indicator values a refresh writes, that is most of the refresh's time. COPY takes
plain tuples and is formatted by psycopg in C. Callers give every column's value (no defaults,
no `save()`, no signals): use it only for rows whose values the caller computes entirely.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.db import connection


def _sqlite_value(value):
    """Django keeps datetimes in SQLite as naive UTC text; raw inserts must do the same."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    return value


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Append `rows` (tuples in `columns` order) to `table`; returns how many."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(table)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            batch = [tuple(map(_sqlite_value, row)) for row in rows]
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # noqa: S608
            count = len(batch)
    return count
