from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from aftersales.core.append_only import register_sqlite_guard

        # Append-only triggers on SQLite call a function every connection must provide:
        # connections opened from now on, and any an earlier app's ready() already opened.
        connection_created.connect(register_sqlite_guard, dispatch_uid="aftersales-sqlite-guard")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                register_sqlite_guard(sender=type(connection), connection=connection)
