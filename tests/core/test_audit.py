import pytest
from django.db import DatabaseError, connection, transaction

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.core.append_only import rewriting_history
from aftersales.core.audit import record
from aftersales.core.models import AppendOnlyError, AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return record(actor=SYSTEM_ACTOR, action="merchant.created", subject=factories.merchant())


def test_record_writes_who_did_what_to_which_record(event):
    stored = AuditEvent.objects.get()
    assert (stored.actor_kind, stored.actor_label, stored.action) == (
        "system",
        "system",
        "merchant.created",
    )
    assert stored.subject_type == "accounts.merchant"
    assert stored.subject_id == str(event.subject_id)


def test_saving_an_existing_event_is_refused(event):
    event.action = "merchant.deleted"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["action"])


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET action = 'rewritten'",
        "DELETE FROM core_auditevent",
    ],
)
def test_raw_sql_cannot_rewrite_history(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.get().action == "merchant.created"


@pytest.mark.postgres
def test_postgres_refuses_with_restrict_violation(event):
    """The SQLSTATE lets operators' tooling tell a guard from a bug (23001 restrict_violation)."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent")
    assert caught.value.__cause__.sqlstate == "23001"


def test_only_flush_may_delete_rows_on_sqlite(event, vendor):
    """SQLite has no TRUNCATE, so `flush` deletes rows and the guard lets exactly that through.
    PostgreSQL's flush truncates, which row triggers do not see: there the flag opens nothing."""
    if vendor == "sqlite":
        with rewriting_history(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent")
        assert AuditEvent.objects.count() == 0
    else:
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            rewriting_history(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM core_auditevent")


@pytest.mark.django_db(transaction=True)
def test_flush_after_a_transactional_test_that_wrote_audit_rows(event):
    """The teardown of this test flushes the database; it must not trip the guard."""
    assert AuditEvent.objects.count() == 1
