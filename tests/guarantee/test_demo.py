"""`aftersales demo` leaves the fund's books to look at: deposits, settlement, one pay-first to
contest and the electronics shop asked to top up; running it again adds nothing."""

import pytest
from django.core.management import call_command

from aftersales.guarantee.models import Movement, PayFirst, TopUpRequest

pytestmark = pytest.mark.django_db


def test_demo_books_have_a_pay_first_to_contest_and_a_top_up_request_once():
    call_command("demo", "--orders", "150", "--buyers", "12")
    assert PayFirst.objects.filter(merchant__code="m-electronics").count() == 1
    assert TopUpRequest.objects.filter(merchant__code="m-electronics", state="open").exists()
    movements = Movement.objects.count()
    call_command("demo", "--orders", "150", "--buyers", "12")
    assert Movement.objects.count() == movements
