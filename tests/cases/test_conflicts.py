"""Two parties acting on one case at the same moment, each on its own database connection:
exactly one wins, the other is told the action is no longer allowed, and the event log holds
only the winner's step."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection

from aftersales.accounts.actors import MERCHANT_INTEGRATION, Actor
from aftersales.accounts.models import Role
from aftersales.cases import services
from aftersales.cases.models import Case
from aftersales.core.errors import Conflict
from tests.cases import builders as b

ROUNDS = 10


def merchant(case: Case) -> Actor:
    return Actor(kind="token", role=MERCHANT_INTEGRATION, label="m", merchant_id=case.merchant_id)


def buyer(case: Case) -> Actor:
    return Actor(kind="token", role=Role.BUYER, label="b", buyer_id=case.buyer_id)


def race(*steps: Callable[[], object]) -> list[object]:
    """Run the steps in threads released together; each result or the exception it raised."""
    barrier = threading.Barrier(len(steps))
    results: list[object] = [None] * len(steps)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = steps[i]()
        except Exception as exc:  # the test judges what each thread got
            results[i] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(steps))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def opened(shop: b.Shop, type_: str = "return_refund") -> Case:
    c = b.open_case(shop, type_)
    return Case.objects.get(pk=c.id)


def act(case: Case, actor: Actor, action: str, **body) -> Callable[[], Case]:
    def step() -> Case:
        return services.act(case=case, actor=actor, action=action, body=services.ActionBody(**body))

    return step


def assert_one_winner(case: Case, results: list[object], actions: tuple[str, str]) -> None:
    wins = [r for r in results if isinstance(r, Case)]
    losses = [r for r in results if isinstance(r, Conflict)]  # NotAllowed is a Conflict
    assert (len(wins), len(losses)) == (1, 1), results
    # The steps people took (an automatic refund may follow an approval).
    taken = list(
        case.events.exclude(action="open")
        .exclude(actor_kind="system")
        .values_list("action", flat=True)
    )
    assert len(taken) == 1 and taken[0] in actions, taken
    case.refresh_from_db()
    assert case.state == wins[0].state


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_approve_and_reject_at_once_one_wins():
    shop = b.shop()
    for _ in range(ROUNDS):
        case = opened(shop)
        results = race(
            act(case, merchant(case), "approve"),
            act(case, merchant(case), "reject", reason="重复申请"),
        )
        assert_one_winner(case, results, ("approve", "reject"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_approve_and_withdraw_at_once_one_wins():
    """Refund-only: once approved it is refunded, and nothing is left to withdraw."""
    shop = b.shop()
    for _ in range(ROUNDS):
        case = opened(shop, "refund_only")
        results = race(act(case, merchant(case), "approve"), act(case, buyer(case), "withdraw"))
        assert_one_winner(case, results, ("approve", "withdraw"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_actions_on_the_same_version_one_wins_the_other_is_stale():
    """Return: withdrawing after an approval is allowed, so the buyer who saw `requested`
    says so with expected_version, and loses if the merchant moved first."""
    shop = b.shop()
    for _ in range(ROUNDS):
        case = opened(shop)
        results = race(
            act(case, merchant(case), "approve", expected_version=1),
            act(case, buyer(case), "withdraw", expected_version=1),
        )
        assert_one_winner(case, results, ("approve", "withdraw"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_conflicting_actions_through_the_api_answer_200_and_409():
    shop = b.shop()
    for _ in range(ROUNDS):
        c = b.open_case(shop, "refund_only")
        merchant_api, buyer_api = shop.merchant_api, c.buyer_api
        # A client per thread: Django's test client is not shared across threads.
        merchant_client = type(merchant_api)(merchant_api.token)
        buyer_client = type(buyer_api)(buyer_api.token)
        path = f"/cases/{c.id}/actions/"
        responses = race(
            partial(merchant_client.post, path + "approve", {}),
            partial(buyer_client.post, path + "withdraw", {}),
        )
        assert sorted(r.status_code for r in responses) == [200, 409], responses
        loser = next(r for r in responses if r.status_code == 409)
        assert loser["Content-Type"] == "application/problem+json"
        assert "allowed_actions" in loser.json()
        case = Case.objects.get(pk=c.id)
        taken = case.events.exclude(action="open").exclude(actor_kind="system")
        assert taken.count() == 1
