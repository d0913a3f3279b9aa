from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models import Field, ForeignObject

        from aftersales.core.append_only import register_sqlite_guard
        from aftersales.core.lookups import InIds

        Field.register_lookup(InIds)
        ForeignObject.register_lookup(InIds)  # keeps a lookup table of its own

        # Append-only triggers on SQLite call a function every connection must provide:
        # connections opened from now on, and any an earlier app's ready() already opened.
        connection_created.connect(register_sqlite_guard, dispatch_uid="aftersales-sqlite-guard")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                register_sqlite_guard(sender=type(connection), connection=connection)

        from aftersales.core import prepared

        # PostgreSQL: the hot statements' generic plans (core/prepared.py), set as a connection
        # opens; one an earlier ready() opened is configured now.
        connection_created.connect(prepared.configure, dispatch_uid="aftersales-prepared")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                prepared.configure(sender=type(connection), connection=connection)

        from django.db.models.signals import post_migrate

        from aftersales.core.calendar_data import seed_empty_calendar

        # `flush` (tests with transactions) empties the seeded calendar and sends post_migrate:
        # an empty calendar is seeded again, a filled one is left as the operators keep it.
        post_migrate.connect(
            seed_empty_calendar, sender=self, dispatch_uid="aftersales-calendar-seed"
        )
