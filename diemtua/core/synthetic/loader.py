"""Append rows to tables without the ORM's per-object cost.

Millions of rows through `Model.save()` would take hours; `bulk_create` still builds a model
instance per row. Rows here are plain tuples in a declared column order, written with
PostgreSQL's COPY (psycopg formats them in C) or, on SQLite, one `executemany` per table.

The loader hands out primary keys itself (so generated rows can point at each other before they
are written) and moves each table's id sequence past them at the end. It bypasses `save()`,
`full_clean()` and signals on purpose: callers must give every value the model would have
computed (folded search names, encrypted free text) — see `national.py`.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

from diemtua.core import bulk


class Table:
    """A model's table with the columns a generator fills; every other column gets a constant."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], *, now):
        self.model = model
        self.name = model._meta.db_table
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{self.name}: no column {unknown}")
        self.columns = list(columns)
        self.constants: list[tuple[str, object]] = []
        for column, field in fields.items():
            if column in columns or (field.primary_key and isinstance(field, models.AutoField)):
                continue
            self.constants.append((column, self._constant(field, now)))
        self.all_columns = self.columns + [c for c, _ in self.constants]
        self.tail = tuple(v for _, v in self.constants)

    def _constant(self, field, now):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.default is not NOT_PROVIDED:
            return field.get_db_prep_save(field.get_default(), connection)
        if field.null:
            return None
        if isinstance(field, models.CharField | models.TextField):
            return ""
        raise ValueError(f"{self.name}.{field.column} needs a value")


class Loader:
    """Writes batches of rows; hands out ids; fixes the id sequences when done."""

    def __init__(self, *, now: datetime.datetime):
        self.now = now
        self.vendor = connection.vendor
        self._tables: dict[tuple, Table] = {}
        self._next_id: dict[type[models.Model], int] = {}
        self.written: dict[str, int] = {}

    def table(self, model, columns: Sequence[str]) -> Table:
        key = (model, tuple(columns))
        if key not in self._tables:
            self._tables[key] = Table(model, columns, now=self.now)
        return self._tables[key]

    def reserve(self, model, count: int) -> int:
        """The first of `count` new ids of `model` (ids after the table's largest)."""
        if model not in self._next_id:
            top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
            self._next_id[model] = top + 1
        first = self._next_id[model]
        self._next_id[model] += count
        return first

    def write(self, table: Table, rows: Iterable[tuple]) -> int:
        tail = table.tail
        count = bulk.insert_rows(table.name, table.all_columns, (row + tail for row in rows))
        self.written[table.name] = self.written.get(table.name, 0) + count
        return count

    def finish(self) -> None:
        """Move each id sequence past the ids handed out (SQLite's AUTOINCREMENT follows by
        itself)."""
        if self.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in self._next_id:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )
