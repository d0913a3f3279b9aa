"""`flush`, allowed past the append-only guards: emptying the whole database is not rewriting
history. SQLite has no TRUNCATE, so without this the test suite could not reset its database
after a transactional test that wrote audit rows."""

from django.core.management.commands import flush

from aftersales.core.append_only import rewriting_history


class Command(flush.Command):
    def handle(self, **options):
        with rewriting_history():
            return super().handle(**options)
